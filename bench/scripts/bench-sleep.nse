local stdnse = require "stdnse"

description = [[
Benchmark workload: every port's thread calls stdnse.sleep(0.01) ten
times and does no I/O, which measures timers and the scheduler alone.
]]
author = "nsx bench"
license = "Same as Nmap--See https://nmap.org/book/man-legal.html"
categories = {"safe"}

portrule = function(host, port)
  return port.protocol == "tcp" and port.state == "open"
end

action = function(host, port)
  for _ = 1, 10 do
    stdnse.sleep(0.01)
  end
  return "ok"
end

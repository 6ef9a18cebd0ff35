local nmap = require "nmap"

description = [[
Benchmark workload: every port's thread takes one global nmap.mutex and,
holding it, connects, reads one line and closes, so the round trips run
one at a time.
]]
author = "nsx bench"
license = "Same as Nmap--See https://nmap.org/book/man-legal.html"
categories = {"safe"}

portrule = function(host, port)
  return port.protocol == "tcp" and port.state == "open"
end

action = function(host, port)
  local lock = nmap.mutex("nsx-bench-global-mutex")
  lock "lock"
  local sock = nmap.new_socket()
  sock:set_timeout(10000)
  local status = sock:connect(host, port)
  if status then
    status = sock:receive_lines(1)
  end
  sock:close()
  lock "done"
  return status and "ok" or "fail"
end

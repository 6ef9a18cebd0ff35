local nmap = require "nmap"

description = [[
Benchmark workload: for every open TCP port, connect, read one line and
close. Written for nsx's bench/ suite; the server is bench/epoll-server.
]]
author = "nsx bench"
license = "Same as Nmap--See https://nmap.org/book/man-legal.html"
categories = {"safe"}

portrule = function(host, port)
  return port.protocol == "tcp" and port.state == "open"
end

action = function(host, port)
  local sock = nmap.new_socket()
  sock:set_timeout(10000)
  local status, err = sock:connect(host, port)
  if not status then
    return "fail connect " .. tostring(err)
  end
  local line
  status, line = sock:receive_lines(1)
  sock:close()
  if not status then
    return "fail receive " .. tostring(line)
  end
  return "ok"
end

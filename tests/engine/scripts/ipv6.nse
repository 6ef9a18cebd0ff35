-- Sockets over IPv6 (::1).
local stdnse = require "stdnse"
description = "IPv6 sockets"
categories = {"safe"}
portrule = function() return true end
action = function(host, port)
  local check = dofile(SCRIPT_PATH:match("^(.*/)") .. "check.lua")()
  check("host.ip", host.ip == "::1", host.ip)
  check("address family", nmap.address_family() == "inet6")
  local s = nmap.new_socket()
  local a, b = s:connect(host, port)
  check("connect", a == true, a, b)
  s:send("six")
  a, b = s:receive()
  check("echo", a == true and b == "six", a, b)
  local ok, lip, lport, rip = s:get_info()
  check("get_info", lip == "::1" and rip == "::1", lip, rip)
  s:close()
  return check.report()
end

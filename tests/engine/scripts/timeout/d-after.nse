-- Runs after the pre-scan phase: checks what the discarded threads left.
local stdnse = require "stdnse"
description = "after the timeouts"
categories = {"safe"}
postrule = function() return true end
action = function()
  local check = dofile(SCRIPT_PATH:match("^(.*/)") .. "../check.lua")()
  local m = nmap.mutex("timeout-shared")
  check("mutex released", m("trylock") == true)
  m "done"
  local co = nmap.registry.to_co.co
  check("discarded coroutine stays suspended", co == nil or coroutine.status(co) == "suspended",
        co and coroutine.status(co))
  local a, b = nmap.registry.to_socket:send("x")
  check("socket closed at discard", a == false and b == "socket must be connected", a, b)
  return check.report()
end

-- Holds a mutex, a connected socket and a condvar registration, then
-- sleeps past --script-timeout. Being discarded must give all of it back.
local stdnse = require "stdnse"
description = "killed while holding things"
categories = {"safe"}
prerule = function() return true end
action = function()
  local m = nmap.mutex("timeout-shared")
  m "lock"
  local s = nmap.new_socket()
  s:connect("127.0.0.1", tonumber(stdnse.get_script_args("to.echo")))
  nmap.registry.to_socket = s
  nmap.registry.to_co = setmetatable({co = coroutine.running()}, {__mode = "v"})
  nmap.condvar("timeout-cv")
  stdnse.sleep(30)
  return "not reached"
end

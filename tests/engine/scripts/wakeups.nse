-- Holds a connection to a local server (wakeups.port) open, so the event
-- loop has an active handle, while it sleeps a millisecond ten times.
-- Sleeps that come due while the scheduler resumes other threads must
-- still wake their threads: the loop must not wait in its poll for an
-- event that never comes. Reports "10 wake-ups".
local stdnse = require "stdnse"

description = "short sleeps next to an open socket"
categories = {"safe"}
hostrule = function() return stdnse.get_script_args("wakeups.port") ~= nil end

action = function()
  local s = nmap.new_socket()
  s:set_timeout(20000)
  local ok, err = s:connect("127.0.0.1",
                            tonumber(stdnse.get_script_args("wakeups.port")))
  if not ok then return "connect: " .. tostring(err) end
  local n = 0
  for _ = 1, 10 do
    stdnse.sleep(0.001)
    n = n + 1
  end
  s:close()
  return ("%d wake-ups"):format(n)
end

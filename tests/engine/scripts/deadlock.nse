-- Two workers take two mutexes in opposite orders and deadlock; the main
-- thread waits for them on a condvar. nsx must report all three and end
-- them instead of hanging.
local stdnse = require "stdnse"
description = "a deadlock"
categories = {"safe"}
prerule = function() return true end
action = function()
  local a, b = nmap.mutex("dl-a"), nmap.mutex("dl-b")
  local cv = nmap.condvar("dl")
  stdnse.new_thread(function() a "lock"; stdnse.sleep(0.05); b "lock" end)
  stdnse.new_thread(function() b "lock"; stdnse.sleep(0.05); a "lock" end)
  cv "wait"
  return "not reached"
end

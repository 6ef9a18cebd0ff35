-- Sleeps far longer than --host-timeout allows.
local stdnse = require "stdnse"
description = "a slow host script"
categories = {"safe"}
hostrule = function() return true end
portrule = function() return true end
action = function(host, port)
  if port then return "port script done" end
  stdnse.sleep(20)
  return "not reached"
end

-- A host script that finishes at once on 127.0.0.1 and takes 30 s
-- elsewhere: an interrupt must keep the first result and end the rest.
local stdnse = require "stdnse"
description = "fast on one host, slow on the others"
categories = {"safe"}
hostrule = function() return true end
action = function(host)
  if host.ip ~= "127.0.0.1" then stdnse.sleep(30) end
  return "done on " .. host.ip
end

-- Runs after the spinner was discarded: the scan goes on.
local stdnse = require "stdnse"
description = "a well-behaved neighbour"
categories = {"safe"}
postrule = function() return true end
action = function()
  stdnse.sleep(0.1)
  return "neighbour finished"
end

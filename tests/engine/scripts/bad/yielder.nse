description = "yields a value of its own at the top level"
categories = {"safe"}
prerule = function() return true end
action = function() coroutine.yield("mine"); return "not reached" end

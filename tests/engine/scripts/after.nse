-- Runs after whatever came before it in the pre-scan phase.
description = "the scan goes on"
categories = {"safe"}
postrule = function() return true end
action = function() return "post-scan ran" end

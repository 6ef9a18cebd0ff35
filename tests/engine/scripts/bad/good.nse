description = "works"
categories = {"safe"}
prerule = function() return true end
hostrule = function() return true end
action = function(host) return host and ("host " .. host.ip) or "pre-scan ok" end

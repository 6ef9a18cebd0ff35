-- Prints what a portrule sees of each port: state, reason, service and
-- version fields (they come from -iL input when there is no discovery).
description = "port table as scripts see it"
categories = {"safe"}
portrule = function() return true end
action = function(host, port)
  local v = port.version
  return ("%s %s %s/%s service=%s product=%s version=%s conf=%s dtype=%s"):format(
    host.ip, port.state, port.number, port.protocol, tostring(port.service),
    tostring(v.product), tostring(v.version), tostring(v.name_confidence),
    tostring(v.service_dtype))
end

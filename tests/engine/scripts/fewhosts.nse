-- A host rule that holds for few hosts: like most scripts of a broad
-- selection (-sC), its threads end at their rule.
description = "runs on 127.0.X.1 only"
categories = {"safe"}
hostrule = function(host)
  return host.ip:match("^127%.0%.%d+%.1$") ~= nil
end
action = function(host)
  return "ran on " .. host.ip
end

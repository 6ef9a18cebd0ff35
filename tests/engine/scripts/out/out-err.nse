-- A host script that fails at run time: its result is Nmap's error text.
description = "Output-format test: a failing script."
categories = {"safe"}

hostrule = function(host) return true end

action = function(host)
  error("out-err fails on purpose")
end

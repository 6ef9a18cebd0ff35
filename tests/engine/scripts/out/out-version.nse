-- Sets the version of the port named by 'out.port', so that <service>
-- shows a probed service with every field.
local nmap = require "nmap"
local stdnse = require "stdnse"

description = "Output-format test: nmap.set_port_version."
categories = {"safe"}

portrule = function(host, port)
  return port.number == tonumber(stdnse.get_script_args("out.vport"))
end

action = function(host, port)
  port.version.name = "http"
  port.version.product = "Test httpd"
  port.version.version = "1.2"
  port.version.extrainfo = "extra & info"
  port.version.hostname = "box"
  port.version.ostype = "Linux"
  port.version.devicetype = "general purpose"
  port.version.cpe = {"cpe:/a:test:httpd:1.2", "cpe:/o:linux:linux_kernel"}
  nmap.set_port_version(host, port, "hardmatched")
  return nil
end

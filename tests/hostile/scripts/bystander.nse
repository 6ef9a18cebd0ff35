-- A well-behaved neighbour: while hostile peers stall other threads of
-- the same run, it does bystander.rounds (default 20) round trips with an
-- echo server (bystander.port), pausing between them, and reports
--   N of N round trips
-- Tests check that this result is there, whatever the others suffered.
local stdnse = require "stdnse"

description = "echo round trips next to hostile threads"
categories = {"safe"}
hostrule = function() return stdnse.get_script_args("bystander.port") ~= nil end

action = function(host)
  local port = tonumber(stdnse.get_script_args("bystander.port"))
  local rounds = tonumber(stdnse.get_script_args("bystander.rounds")) or 20
  local s = nmap.new_socket()
  s:set_timeout(5000)
  local ok, err = s:connect("127.0.0.1", port)
  if not ok then return "connect: " .. tostring(err) end
  local good = 0
  for i = 1, rounds do
    local msg = ("round %d from %s\n"):format(i, host.ip)
    s:send(msg)
    local a, b = s:receive_buf("\n", true)
    if a and b == msg then good = good + 1 end
    stdnse.sleep(0.02)
  end
  s:close()
  return ("%d of %d round trips"):format(good, rounds)
end

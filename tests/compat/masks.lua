-- masks.lua: values that change between two scans of the same services
-- (times, PIDs, counters), per script id, as { Lua pattern, replacement }
-- applied with string.gsub to every line of a result (its text, its XML
-- "output" and its XML structure alike). "*" applies to every script.
-- Only what really varies is masked: everything else must match exactly.
local T = "%d%d%d%d%-%d%d%-%d%dT%d%d:%d%d:%d%d"   -- 2026-11-27T02:57:55
local HTTP_DATE = "%a%a%a, %d%d %a%a%a %d%d%d%d %d%d:%d%d:%d%d GMT"

-- brute.lua's statistics line: the number of guesses depends on how the
-- worker threads interleave, the time and rate on the machine.
local BRUTE = {
  { "Performed %d+ guesses in %d+ seconds, average tps: [%d.]+",
    "Performed <n> guesses in <t> seconds, average tps: <r>" },
  { "^(%s*statistics: ).*", "%1<masked>" },
}

return {
  ["*"] = {},
  ["http-date"] = {
    { HTTP_DATE .. "; [-+]?%d+s from local time%.",
      "<date>; <delta> from local time." },
    { "^date: .*", "date: <masked>" },
    { "^delta: .*", "delta: <masked>" },
  },
  ["http-headers"] = {
    { "^(%s*Date: )" .. HTTP_DATE, "%1<masked>" },
  },
  ["ssl-date"] = {
    { T .. "; [-+]?[%d.]+[smhd]? from scanner time%.",
      "<time>; <delta> from scanner time." },
    { "^date: .*", "date: <masked>" },
    { "^delta: .*", "delta: <masked>" },
  },
  ["redis-info"] = {
    { "^(%s*Process ID: )%d+", "%1<pid>" },
    { "^(%s*Used CPU %(%a+%): )[%d.]+", "%1<cpu>" },
    { "^(%s*Connected clients: )%d+", "%1<n>" },
    { "^(%s*Used memory: )[%d.]+%a*", "%1<mem>" },
  },
  ["memcached-info"] = {
    { "^(%s*Process ID: )%d+", "%1<pid>" },
    { "^(%s*Uptime: )%d+ seconds", "%1<n> seconds" },
    { "^(%s*Server time: )" .. T, "%1<time>" },
    { "^(%s*Used CPU %(%a+%): )[%d.]+", "%1<cpu>" },
    { "^(%s*Current connections: )%d+", "%1<n>" },
    { "^(%s*Total connections: )%d+", "%1<n>" },
  },
  ["ftp-syst"] = {
    { "(At session startup, client count was )%d+", "%1<n>" },
  },
  -- Comments are keys of a plain table: one group per comment, each
  -- starting at its (blank) separator line.
  ["http-comments-displayer"] = { groups = "^%s*$" },
  -- Pages of one status code come in crawl order, which depends on the
  -- spider's worker threads (and table.sort is not stable).
  ["http-errors"] = { groups = "^%s*$" },
  ["http-brute"] = BRUTE,
  ["ftp-brute"] = BRUTE,
  ["ssh-brute"] = BRUTE,
}

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

-- vulns.lua keeps a vulnerability's references as keys of a set, so they
-- come out in hash order; and it numbers what it reports ("NMAP-3") in the
-- order the script threads happen to report.
local REFS = {
  runs = "^%s+https?://",
  { "^(%s*)NMAP%-%d+:", "%1NMAP-<n>:" },
}

-- ssl-cert at verbosity > 1: after its four fixed fields, a name's other
-- fields come from pairs() on the name table, in hash order.
local function sort_name_fields(head, fields)
  local fixed, rest = {}, {}
  for f in fields:gmatch("[^/]+") do
    if #fixed < 4 and (f:match("^commonName=") or
        f:match("^organizationName=") or f:match("^stateOrProvinceName=") or
        f:match("^countryName=")) then
      fixed[#fixed + 1] = f
    else
      rest[#rest + 1] = f
    end
  end
  table.sort(rest)
  table.move(rest, 1, #rest, #fixed + 1, fixed)
  return head .. table.concat(fixed, "/")
end

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
  -- Feeds and groups of found strings are keys of plain tables.
  ["http-feed"] = { runs = "^%s+%u+ %(version" },
  -- One group per pattern name ("(1) email:") under the page's URL.
  ["http-grep"] = { groups = "^    %(%d+%) " },
  ["ssl-cert"] = {
    { "^(Subject: )(.*)$", sort_name_fields },
    { "^(Issuer: )(.*)$", sort_name_fields },
  },
  ["http-cross-domain-policy"] = REFS,
  ["ssl-ccs-injection"] = REFS,
  ["ssl-heartbleed"] = REFS,
  ["ssl-poodle"] = REFS,
  ["ftp-vsftpd-backdoor"] = REFS,
  ["http-brute"] = BRUTE,
  ["ftp-brute"] = BRUTE,
  ["ssh-brute"] = BRUTE,
}

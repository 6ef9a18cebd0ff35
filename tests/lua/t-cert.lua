-- Tests of the certificate object (src/lua/cert.c) on the fixtures in
-- tests/fixtures/certs (see the README there). Expected values come from
-- `openssl x509` on the same files and from what Nmap 7.93's
-- parse_ssl_certificate returned for them; when the openssl command is
-- installed, the digests and the RSA modulus are also checked against it.
-- luarun exposes nmap.socket.parse_ssl_certificate as nsx_test_parse_cert.
local t = dofile(os.getenv("NSX_TEST_DIR") .. "/lua/tap.lua")
local openssl = require "openssl"
local parse = nsx_test_parse_cert
local dir = os.getenv("NSX_TEST_DIR") .. "/fixtures/certs/"

local function slurp(name)
  local f = assert(io.open(dir .. name, "rb"))
  local s = f:read("a")
  f:close()
  return s
end
local function hex(s)
  return (s:gsub(".", function(c) return ("%02x"):format(c:byte()) end))
end
local function stamp(d)
  return ("%04d-%02d-%02dT%02d:%02d:%02d"):format(d.year, d.month, d.day,
    d.hour, d.min, d.sec)
end
local function count(tbl)
  local n = 0
  for _ in pairs(tbl) do n = n + 1 end
  return n
end

-- RSA 2048 fixture.
local rsa = parse(slurp("rsa-cert.der"))
t.is(type(rsa), "userdata", "parse returns a userdata")
t.like(tostring(rsa), "^SSL_CERT: ", "tostring like Nmap's")
t.raises(function() for _ in pairs(rsa) do end end, "table expected",
  "not iterable, as in Nmap")

local s = rsa.subject
t.is(s.commonName, "rsa.nsx.test", "subject commonName")
t.is(s.organizationName, "nsx Test, Inc.", "subject organizationName")
t.is(s.organizationalUnitName, "Engineering", "subject OU")
t.is(s.localityName, "San Francisco", "subject localityName")
t.is(s.stateOrProvinceName, "California", "subject stateOrProvinceName")
t.is(s.countryName, "US", "subject countryName")
t.is(s.emailAddress, "admin@nsx.test", "subject emailAddress")
local oid_key, oid_value
for k, v in pairs(s) do
  if type(k) == "table" then oid_key, oid_value = k, v end
end
t.is(count(s), 8, "subject has 8 attributes")
t.ok(oid_key, "unknown OID is a table key")
t.is(oid_key and table.concat(oid_key, "."), "1.3.6.1.4.1.99999.1",
  "unknown OID key holds its arcs")
t.is(oid_key and type(oid_key[7]), "string", "arcs are strings")
t.is(oid_value, "custom value", "unknown OID value")
t.is(rsa.issuer.commonName, "rsa.nsx.test", "issuer (self-signed)")
t.is(count(rsa.issuer), 8, "issuer has 8 attributes")
t.is(rsa.sig_algorithm, "sha256WithRSAEncryption", "sig_algorithm")

local nb, na = rsa.validity.notBefore, rsa.validity.notAfter
t.is(stamp(nb), "2026-11-27T02:25:24", "notBefore (UTCTime)")
t.is(stamp(na), "2126-11-03T02:25:24", "notAfter (GeneralizedTime)")
t.is(count(nb), 6, "date has year month day hour min sec only")
t.is(nb.wday, nil, "no wday")
t.is(math.type(nb.year), "integer", "date fields are integers")

t.is(rsa.pem, slurp("rsa-cert.pem"), "pem equals openssl x509's")

local ext = rsa.extensions
t.is(#ext, 4, "four extensions")
t.is(ext[1].name, "X509v3 Subject Alternative Name", "SAN name")
t.is(ext[1].value, "DNS:rsa.nsx.test, DNS:www.rsa.nsx.test, " ..
  "IP Address:127.0.0.1, email:admin@nsx.test", "SAN value")
t.is(ext[1].critical, nil, "non-critical has no 'critical'")
t.is(ext[2].name, "X509v3 Key Usage", "key usage name")
t.is(ext[2].value, "Digital Signature, Key Encipherment", "key usage value")
t.is(ext[2].critical, true, "key usage is critical")
t.is(ext[3].value, "TLS Web Server Authentication, " ..
  "TLS Web Client Authentication", "extended key usage")
t.is(ext[4].name, "X509v3 Subject Key Identifier", "SKI name")
t.is(ext[4].value,
  "D3:95:21:78:3C:79:BF:5A:62:49:B6:99:D7:08:E9:A3:03:65:28:D7", "SKI value")

local pk = rsa.pubkey
t.is(pk.type, "rsa", "pubkey type")
t.is(pk.bits, 2048, "pubkey bits")
t.is(getmetatable(pk.modulus), debug.getregistry().BIGNUM,
  "modulus is an openssl bignum")
t.is(openssl.bignum_bn2dec(pk.exponent), "65537", "exponent")
t.is(pk.exponent:tohex(), "010001", "exponent hex")
local modulus = "B6963FC305D72BA87476251AEC36F1C691B6DD9D9AEC0874C7755899C3" ..
  "8C4AD0571A7615077C3715FBBA46F6831F949E648A16680C45B587DBCA5FA7B17E722626" ..
  "CBF28DD4D155CD9106EF4C55289ECBD0EF4C4F46B82D9EB89E44EFBF32EB293FEFC618C5" ..
  "5E7F0A7AB561A18A2B44E6BAE4081390B4FC8AF931AC2CB943A211635B4A1B2F05C465E7" ..
  "AF5AB95D81852FD0CD3D95290E1448E9B70B00FF84985A9B120C0ED246A1A26CB3425A2F" ..
  "8693F0520219ED2B70D52BE0049A3465DC18385AB492D7AEB023CA494FA623B1D93B2261" ..
  "74DAF00883D688507DA5BA17BBC159A0481AA968C2E7DA07793F52B57C25D569BDD94C18" ..
  "BD0D4D836742E3D59C617D"
t.is(openssl.bignum_bn2hex(pk.modulus), modulus, "modulus")
t.is(pk.modulus:num_bits(), 2048, "modulus bits")
t.is(pk.ecdhparams, nil, "no ecdhparams for RSA")

t.is(hex(rsa:digest("sha1")), "6d1bfecee38cf0170c8b14c30994133908635bd4",
  "digest sha1")
t.is(hex(rsa:digest("md5")), "28483cb3d7375a1cdaffb04b38313a7d", "digest md5")
t.is(hex(rsa:digest("SHA256")), "4fc9e74ccb78dd496a383354710bd205" ..
  "9e47b9362db17b37c83291594154032d", "digest SHA256")
t.is(select("#", rsa:digest("foo")), 0, "unknown digest returns nothing")
t.raises(function() rsa:digest() end, "string expected", "digest needs alg")
t.is(type(rsa.digest), "function", "digest is reachable as a field")
t.is(rsa.subject, rsa.subject, "fields are built once")
t.is(rsa.serial, nil, "unknown field is nil")

-- EC P-256 fixture.
local ec = parse(slurp("ec-cert.der"))
t.is(ec.subject.commonName, "ec.nsx.test", "ec subject")
t.is(ec.subject.countryName, "DE", "ec subject country")
t.is(count(ec.subject), 3, "ec subject has 3 attributes")
t.is(ec.sig_algorithm, "ecdsa-with-SHA256", "ec sig_algorithm")
t.is(stamp(ec.validity.notBefore), "2026-11-27T02:25:19", "ec notBefore")
t.is(stamp(ec.validity.notAfter), "2036-11-24T02:25:19", "ec notAfter")
t.is(ec.pubkey.type, "ec", "ec pubkey type")
t.is(ec.pubkey.bits, 256, "ec pubkey bits")
t.is(ec.pubkey.modulus, nil, "ec has no modulus")
t.is(ec.pubkey.ecdhparams.curve_params.ec_curve_type, "namedcurve",
  "ec_curve_type")
t.is(ec.pubkey.ecdhparams.curve_params.curve, "prime256v1", "curve")
t.is(#ec.extensions, 4, "ec extensions")
t.is(ec.extensions[3].name, "X509v3 Basic Constraints", "basic constraints")
t.is(ec.extensions[3].value, "CA:TRUE", "basic constraints value")
t.is(ec.extensions[3].critical, true, "basic constraints critical")
t.is(ec.extensions[4].value,
  "DNS:ec.nsx.test, DNS:localhost, IP Address:0:0:0:0:0:0:0:1", "ec SAN")
t.is(hex(ec:digest("sha1")), "ed45e96ba7da904d3d9c302772d9a45b19e9674b",
  "ec digest sha1")
t.is(hex(ec:digest("md5")), "8fb8a3eacdd08eafa6092ce5c3fbe875",
  "ec digest md5")
t.is(ec.pem, slurp("ec-cert.pem"), "ec pem")

-- Odd corners, as Nmap reads them.
local misc = parse(slurp("misc-cert.der"))
t.is(misc.subject.organizationalUnitName, "second unit",
  "a repeated attribute keeps its last value")
t.is(misc.subject.commonName, "\xc3\x9cn\xc3\xafc\xc3\xb6d\xc3\xa9 misc",
  "UTF8String values are raw bytes")
t.is(misc.extensions[1].name, "1.2.3.4", "unknown extension named by OID")
t.is(misc.extensions[1].error, true, "unprintable extension has error")
t.is(misc.extensions[1].value, nil, "unprintable extension has no value")
t.is(misc.extensions[1].critical, nil, "unknown extension not critical")
t.is(misc.extensions[2].critical, true, "critical unknown extension")
t.is(misc.extensions[2].error, true, "critical unknown extension error")
t.is(misc.extensions[3].name, "Netscape Comment", "Netscape Comment")
t.is(misc.extensions[3].value, "a comment", "Netscape Comment value")
t.is(hex(misc:digest("sha1")), "63a16f5005fcd314f9820ac291929b3a51e4dac9",
  "misc digest sha1")

-- What does not parse.
local der = slurp("rsa-cert.der")
t.is(parse("garbage"), nil, "garbage gives nil")
t.is(parse(""), nil, "empty string gives nil")
t.is(parse(der:sub(1, 100)), nil, "truncated DER gives nil")
t.is(select("#", parse("garbage")), 1, "one result on failure")
t.is(parse(5), nil, "a number is read as a string")
t.is(hex(parse(der .. "trailing"):digest("sha1")),
  "6d1bfecee38cf0170c8b14c30994133908635bd4", "trailing bytes are ignored")
t.raises(function() parse() end, "string expected", "argument required")

-- Lifetime: objects and their bignums outlive each other safely.
local mod = parse(der).pubkey.modulus
for _ = 1, 50 do parse(der) end
collectgarbage()
collectgarbage()
t.is(mod:tohex(), modulus, "bignum outlives its certificate")
local m = getmetatable(rsa)
m.__gc(rsa)
m.__gc(rsa)
t.raises(function() return rsa.subject end, "freed", "closed object raises")

-- Cross-check with the openssl command, when it is installed.
local function run(cmd)
  local p = io.popen(cmd .. " 2>/dev/null")
  if not p then return nil end
  local out = p:read("a")
  p:close()
  return out
end
local version = run("openssl version")
if version and version:match("^OpenSSL") then
  for _, f in ipairs({"rsa-cert.der", "ec-cert.der", "misc-cert.der"}) do
    local c = parse(slurp(f))
    local fp = run("openssl x509 -inform DER -noout -fingerprint -sha1 -in " ..
      dir .. f)
    fp = fp and fp:match("=([%x:]+)")
    t.is(fp and fp:gsub(":", ""):lower(), hex(c:digest("sha1")),
      f .. ": sha1 matches openssl x509")
  end
  local out = run("openssl x509 -noout -modulus -in " .. dir .. "rsa-cert.pem")
  t.is(out and out:match("Modulus=(%x+)"), modulus,
    "modulus matches openssl x509")
else
  t.ok(true, "openssl command not installed; cross-check skipped")
end

t.done()

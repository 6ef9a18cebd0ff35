-- Tests of the 'openssl' module (src/lua/lopenssl.c) against published test
-- vectors and against what Nmap 7.93's own module returns for the same calls
-- (recorded with a prerule script run by the real nmap binary).
local t = dofile(os.getenv("NSX_TEST_DIR") .. "/lua/tap.lua")
local openssl = require "openssl"

local function hex(s)
  return (s:gsub(".", function(c) return ("%02x"):format(c:byte()) end))
end
local function unhex(h)
  return (h:gsub("%x%x", function(x) return string.char(tonumber(x, 16)) end))
end
local function bn(dec) return openssl.bignum_dec2bn(dec) end

t.is(openssl, _G.openssl, "module is also a global")

-- Digests.
t.is(hex(openssl.md5("abc")), "900150983cd24fb0d6963f7d28e17f72", "md5")
t.is(hex(openssl.md5("")), "d41d8cd98f00b204e9800998ecf8427e", "md5 empty")
t.is(hex(openssl.sha1("abc")), "a9993e364706816aba3e25717850c26c9cd0d89d",
  "sha1")
t.is(hex(openssl.md4("abc")), "a448017aaf21d8525fc10ae87aa6729d",
  "md4 (legacy provider)")
t.is(hex(openssl.ripemd160("")), "9c1185a5c5e9fc54612808977ee8f548b2258d31",
  "ripemd160")
t.is(hex(openssl.sha1(123)), hex(openssl.sha1("123")),
  "numbers are converted to strings")
t.is(hex(openssl.digest("SHA256", "")),
  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
  "digest SHA256 upper case")
t.is(openssl.digest("sha256", "abc"), openssl.digest("Sha256", "abc"),
  "digest names are case-insensitive")
t.is(openssl.digest("MD5", "abc"), openssl.md5("abc"), "digest MD5")
t.is(openssl.digest("RSA-SHA1", "abc"), openssl.sha1("abc"),
  "digest aliases from OpenSSL's name table")
t.is(hex(openssl.digest("sha512", "abc")):sub(1, 16), "ddaf35a193617aba",
  "digest sha512")
t.raises(function() openssl.digest("foo", "x") end,
  "Unknown digest algorithm: foo$", "digest unknown algorithm")
t.raises(function() openssl.sha1() end, "string expected",
  "sha1 without argument")

-- HMAC (RFC 2104 / RFC 4231 vectors).
t.is(hex(openssl.hmac("md5", "Jefe", "what do ya want for nothing?")),
  "750c783e6ab0b503eaa86e310a5db738", "hmac md5")
t.is(hex(openssl.hmac("SHA1", "key",
  "The quick brown fox jumps over the lazy dog")),
  "de7c9b85b8b78aa6bc8a7a36f70a90701c9db4d9", "hmac SHA1")
t.is(hex(openssl.hmac("sha256", ("\x0b"):rep(20), "Hi There")),
  "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
  "hmac sha256")
t.is(hex(openssl.hmac("MD5", "", "")), "74e6f7298a9c2d168935f58c001bad88",
  "hmac with empty key")
t.raises(function() openssl.hmac("foo", "k", "x") end,
  "Unknown digest algorithm: foo$", "hmac unknown algorithm")

-- Ciphers.
local aes_key = unhex("2b7e151628aed2a6abf7158809cf4f3c")
local aes_pt = unhex("6bc1bee22e409f96e93d7e117393172a")
-- SP 800-38A's IV starts with a NUL byte, which Nmap's module takes as "no
-- IV" (a zero IV): the result is then the ECB vector (F.1.1).
t.is(hex(openssl.encrypt("AES-128-CBC", aes_key,
  unhex("000102030405060708090a0b0c0d0e0f"), aes_pt)),
  "3ad77bb40d7a3660a89ecaf32466ef97", "an IV starting with NUL is ignored")
local aes_iv = unhex("0102030405060708090a0b0c0d0e0f10")
t.is(hex(openssl.encrypt("AES-128-CBC", aes_key, aes_iv, aes_pt)),
  "b1791dc59079ef5453561068102db6de", "aes-128-cbc with iv")
t.is(openssl.decrypt("aes-128-cbc", aes_key, aes_iv,
  unhex("b1791dc59079ef5453561068102db6de")), aes_pt, "aes-128-cbc decrypt")
t.is(hex(openssl.encrypt("des-ecb", unhex("133457799BBCDFF1"), nil,
  unhex("0123456789abcdef"))), "85e813540f0ab405", "des-ecb classic vector")
-- "DES" is DES-CBC; no IV means a zero IV, so one block equals ECB.
local k8, p8 = "12345678", "abcdefgh"
t.is(hex(openssl.encrypt("DES", k8, nil, p8)), "94d4436bc3b5b693",
  "DES with nil iv")
t.is(openssl.encrypt("DES", k8, "", p8), openssl.encrypt("DES", k8, nil, p8),
  "empty iv is no iv")
t.is(openssl.encrypt("DES", k8, "\0abcdefg", p8),
  openssl.encrypt("DES", k8, nil, p8), "iv starting with NUL is no iv")
t.is(openssl.encrypt("DES", k8, "\0bc", p8),
  openssl.encrypt("DES", k8, nil, p8),
  "iv starting with NUL is not length-checked")
t.is(openssl.encrypt("DES", k8, ("\0"):rep(8), p8),
  openssl.encrypt("des-ecb", k8, nil, p8), "zero iv")
t.raises(function() openssl.encrypt("DES", k8, "abc", p8) end,
  "Length of iv is 3; should be 8$", "wrong iv length")
t.raises(function() openssl.encrypt("aes-128-ecb", aes_key, "12345678", p8) end,
  "Length of iv is 8; should be 0$", "iv given to ECB")
t.is(hex(openssl.encrypt("DES", k8, nil, p8, true)),
  "94d4436bc3b5b693514aea380b75aa3b", "padding adds a block")
t.is(hex(openssl.encrypt("DES", k8, nil, "abcdefghij", true)),
  "94d4436bc3b5b693d44b1318d86957fd", "padding a partial block")
t.raises(function() openssl.encrypt("DES", k8, nil, "abcdefghij") end,
  ": OpenSSL error: error:%x+:.*wrong final block length$",
  "partial block without padding")
t.raises(function() openssl.encrypt("aes-128-cbc", "short", nil, p8) end,
  ": OpenSSL error: .*invalid key length$", "key length must fit the cipher")
t.is(#openssl.encrypt("bf-cbc", ("k"):rep(20), nil, ("a"):rep(16)), 16,
  "variable key length (blowfish, legacy provider)")
t.is(hex(openssl.encrypt("cast5-cbc", ("k"):rep(16), ("i"):rep(8),
  ("a"):rep(16))), "844617a693ff48f8af393670775d3829",
  "cast5-cbc (legacy provider)")
local cast_key = unhex("00112233445566778899aabbccddeeff")
local cast_iv = unhex("0102030405060708")
local ct = openssl.encrypt("CAST5-CBC", cast_key, cast_iv, "hello", true)
t.is(hex(ct), "5f51f83eaf614ba0", "cast5-cbc with padding")
t.is(openssl.decrypt("cast5-cbc", cast_key, cast_iv, ct, true), "hello",
  "cast5-cbc decrypt with padding")
t.is(#openssl.decrypt("cast5-cbc", cast_key, cast_iv, ct), 8,
  "decrypt without padding keeps the pad bytes")
local key192 = unhex("000102030405060708090a0b0c0d0e0f1011121314151617")
t.is(hex(openssl.encrypt("aes-192-cbc", key192, nil, "hello", true)),
  "12056740635d5dd4124b24264bb8a00a", "aes-192-cbc")
t.is(openssl.encrypt("aes-128-cbc", aes_key, nil, ""), "", "empty data")
t.raises(function()
  openssl.decrypt("aes-128-cbc", aes_key, nil, ("a"):rep(16), true)
end, ": OpenSSL error: .*bad decrypt$", "bad padding on decrypt")
t.raises(function() openssl.encrypt("foo", "k", nil, "x") end,
  "Unknown cipher algorithm: foo$", "encrypt unknown cipher")
t.raises(function() openssl.decrypt("foo", "k", nil, "x") end,
  "Unknown cipher algorithm: foo$", "decrypt unknown cipher")
t.raises(function() openssl.encrypt("aes-128-cbc", aes_key) end,
  "bad argument #4 .*string expected", "data is required")

-- DES_string_to_key.
t.is(hex(openssl.DES_string_to_key(("\xff"):rep(7))), "fefefefefefefefe",
  "DES_string_to_key clears the low bit")
t.is(hex(openssl.DES_string_to_key("abcdefg")), "60b0986c462a98ce",
  "DES_string_to_key")
t.is(hex(openssl.DES_string_to_key(1234567)), "30988c6642a8d86e",
  "DES_string_to_key with a number")
t.raises(function() openssl.DES_string_to_key("abc") end,
  "String must have length of 7 bytes%.", "DES_string_to_key length")

-- Random bytes.
t.is(#openssl.rand_bytes(32), 32, "rand_bytes length")
t.is(openssl.rand_bytes(0), "", "rand_bytes(0)")
t.ok(openssl.rand_bytes(16) ~= openssl.rand_bytes(16), "rand_bytes differ")
t.is(#openssl.rand_pseudo_bytes(5), 5, "rand_pseudo_bytes length")
t.raises(function() openssl.rand_bytes(-1) end, "bad argument #1",
  "rand_bytes negative size")

-- Name lists.
local digests = openssl.supported_digests()
local ciphers = openssl.supported_ciphers()
local function has(list, name)
  for _, v in ipairs(list) do if v == name then return true end end
  return false
end
t.ok(#digests > 20 and has(digests, "md5") and has(digests, "sha256")
  and has(digests, "md4"), "supported_digests")
t.ok(#ciphers > 50 and has(ciphers, "aes-128-cbc") and has(ciphers, "des-ecb")
  and has(ciphers, "cast5-cbc"), "supported_ciphers")
t.ok(has(ciphers, "aes128"), "supported_ciphers lists aliases")

-- Bignum conversions.
local b = bn("255")
t.is(type(b), "userdata", "bignum is a userdata")
t.is(getmetatable(b), debug.getregistry().BIGNUM, "metatable is BIGNUM")
t.is(getmetatable(b).__name, "BIGNUM", "__name")
t.is(tostring(b), "FF", "tostring is hex")
t.is(b:tohex(), "FF", "tohex")
t.is(openssl.bignum_bn2hex(b), "FF", "bn2hex")
t.is(b:todec(), "255", "todec")
t.is(openssl.bignum_bn2dec(b), "255", "bn2dec")
t.is(b:tobin(), "\xff", "tobin")
t.is(openssl.bignum_bn2bin(b), "\xff", "bn2bin")
t.is(openssl.bignum_bn2hex(bn("65537")), "010001", "hex keeps whole bytes")
t.is(openssl.bignum_hex2bn("abc"):todec(), "2748", "hex2bn odd length")
t.is(openssl.bignum_hex2bn("0ABC"):tohex(), "0ABC", "hex round trip")
t.is(openssl.bignum_bin2bn("\0\0\1\2"):tohex(), "0102",
  "bin2bn drops leading zeros")
t.is(openssl.bignum_bin2bn(""):todec(), "0", "bin2bn empty")
local big = "123456789012345678901234567890123456789"
t.is(bn(big):todec(), big, "dec round trip")
t.is(openssl.bignum_bin2bn(bn(big):tobin()):todec(), big, "bin round trip")
t.is(bn("0"):tohex(), "0", "zero hex")
t.is(bn("0"):todec(), "0", "zero dec")
t.is(bn("0"):tobin(), "", "zero bin")
t.is(bn("-17"):todec(), "-17", "negative dec")
t.is(bn("-17"):tohex(), "-11", "negative hex")
t.is(bn("-17"):tobin(), "\x11", "negative bin is the magnitude")
t.is(bn("xyz"):todec(), "0", "dec2bn with no digits gives zero")
t.is(bn("12xyz"):todec(), "12", "dec2bn stops at a non-digit")
t.is(bn(""):todec(), "0", "dec2bn empty")
t.is(openssl.bignum_hex2bn("0x10"):todec(), "0", "hex2bn takes no 0x")
t.raises(function() openssl.bignum_bn2dec("x") end,
  "bad argument #1 to 'bignum_bn2dec' %(BIGNUM expected, got string%)",
  "type check message")
t.raises(function() openssl.bignum_add(bn("1"), 5) end,
  "bad argument #2 .*BIGNUM expected, got number", "type check arg 2")

-- Bignum sizes and bits.
t.is(openssl.bignum_num_bits(bn("256")), 9, "num_bits")
t.is(bn("256"):num_bits(), 9, "num_bits method")
t.is(openssl.bignum_num_bytes(bn("256")), 2, "num_bytes")
t.is(bn("65535"):num_bytes(), 2, "num_bytes method")
t.is(bn("0"):num_bits(), 0, "num_bits of zero")
t.is(openssl.bignum_is_bit_set(bn("5"), 2), true, "is_bit_set")
t.is(openssl.bignum_is_bit_set(bn("5"), 1), false, "is_bit_set clear bit")
t.is(bn("5"):is_bit_set(0), true, "is_bit_set method")
t.is(openssl.bignum_is_bit_set(bn("5"), -1), false, "is_bit_set negative")
t.is(openssl.bignum_is_bit_set(bn("5"), 1000), false, "is_bit_set past top")
local x = bn("5")
t.is(select("#", openssl.bignum_set_bit(x, 1)), 0, "set_bit returns nothing")
t.is(x:todec(), "7", "set_bit changes in place")
x:set_bit(8)
t.is(x:todec(), "263", "set_bit method")
openssl.bignum_set_bit(x, -1)
t.is(x:todec(), "263", "set_bit negative is ignored")
t.is(select("#", openssl.bignum_clear_bit(x, 0)), 0,
  "clear_bit returns nothing")
t.is(x:todec(), "262", "clear_bit")
x:clear_bit(100)
t.is(x:todec(), "262", "clear_bit past top")

-- Bignum arithmetic.
t.is(openssl.bignum_add(bn("100"), bn("-7")):todec(), "93", "add")
t.is(openssl.bignum_add(bn(big), bn(big)):todec(),
  "246913578024691357802469135780246913578", "add big")
local q, r = openssl.bignum_div(bn("100"), bn("7"))
t.is(q:todec(), "14", "div quotient")
t.is(r:todec(), "2", "div remainder")
q, r = openssl.bignum_div(bn("-100"), bn("7"))
t.is(q:todec() .. " " .. r:todec(), "-14 -2", "div truncates")
q, r = openssl.bignum_div(bn("100"), bn("0"))
t.is(q:todec() .. " " .. r:todec(), "0 0", "div by zero gives 0, 0")
t.is(select("#", openssl.bignum_div(bn("1"), bn("1"))), 2,
  "div returns two values")
t.is(openssl.bignum_mod_exp(bn("4"), bn("13"), bn("497")):todec(), "445",
  "mod_exp odd modulus")
t.is(openssl.bignum_mod_exp(bn("4"), bn("13"), bn("496")):todec(), "64",
  "mod_exp even modulus")
t.is(openssl.bignum_mod_exp(bn("-4"), bn("3"), bn("497")):todec(), "433",
  "mod_exp negative base")
t.is(openssl.bignum_mod_exp(bn("100"), bn("2"), bn("0")):todec(), "0",
  "mod_exp zero modulus gives 0")

-- Primes. Oakley group 2 (RFC 2409) is a 1024-bit safe prime.
local oakley2 = openssl.bignum_hex2bn(
  "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74" ..
  "020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437" ..
  "4FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED" ..
  "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE65381FFFFFFFFFFFFFFFF")
t.is(openssl.bignum_mod_exp(bn("2"), openssl.bignum_add(oakley2, bn("-1")),
  oakley2):todec(), "1", "Fermat test on a 1024-bit prime")
t.is(openssl.bignum_is_prime(bn("13")), true, "is_prime 13")
t.is(bn("3"):is_prime(), true, "is_prime method")
t.is(openssl.bignum_is_prime(bn("1")), false, "is_prime 1")
t.is(openssl.bignum_is_prime(bn("15")), false, "is_prime 15")
local function safe(v)
  local s, p = openssl.bignum_is_safe_prime(v)
  return tostring(s) .. " " .. tostring(p)
end
t.is(safe(bn("23")), "true true", "is_safe_prime 23")
t.is(safe(bn("13")), "false true", "is_safe_prime: prime but not safe")
t.is(safe(bn("15")), "false false", "is_safe_prime: composite")
t.is(safe(bn("5")), "true true", "is_safe_prime 5")
t.is(safe(bn("2")), "false true", "is_safe_prime 2")
t.is(safe(oakley2), "true true", "is_safe_prime Oakley group 2")
t.is(select("#", bn("7"):is_safe_prime()), 2, "is_safe_prime method")

-- Random bignums.
local ok_bits = true
for _ = 1, 20 do
  if openssl.bignum_rand(64):num_bits() > 64 then ok_bits = false end
end
t.ok(ok_bits, "bignum_rand stays below 2^bits")
t.ok(openssl.bignum_pseudo_rand(256):num_bits() > 200, "bignum_pseudo_rand")
t.is(openssl.bignum_rand(0):todec(), "0", "bignum_rand(0)")
t.is(openssl.bignum_pseudo_rand(-1):todec(), "0", "negative size gives 0")

-- No operators, as in Nmap.
t.is(bn("3") == bn("3"), false, "no __eq")
t.raises(function() return bn("3") + bn("4") end, "arithmetic on a BIGNUM",
  "no __add")

-- The module is complete.
local names = {}
for k in pairs(openssl) do names[#names + 1] = k end
table.sort(names)
t.is(table.concat(names, ","), "DES_string_to_key,bignum_add,bignum_bin2bn," ..
  "bignum_bn2bin,bignum_bn2dec,bignum_bn2hex,bignum_clear_bit," ..
  "bignum_dec2bn,bignum_div,bignum_hex2bn,bignum_is_bit_set," ..
  "bignum_is_prime,bignum_is_safe_prime,bignum_mod_exp,bignum_num_bits," ..
  "bignum_num_bytes,bignum_pseudo_rand,bignum_rand,bignum_set_bit,decrypt," ..
  "digest,encrypt,hmac,md4,md5,rand_bytes,rand_pseudo_bytes,ripemd160," ..
  "sha1,supported_ciphers,supported_digests", "function list matches Nmap's")

-- Freed bignums are safe to touch.
local c = bn("9")
getmetatable(c).__gc(c)
getmetatable(c).__gc(c)
t.raises(function() c:todec() end, "freed", "use after __gc raises")
collectgarbage()

t.done()

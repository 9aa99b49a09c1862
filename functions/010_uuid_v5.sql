-- The RFC 4122 version-5 (SHA-1, URL namespace) UUID of a name, the same as the
-- loader's uuidV5 and Go's uuid.NewSHA1(uuid.NameSpaceURL, name), so migrations
-- and re-derivations can compute ids in SQL. PostgreSQL core has no sha1() and
-- we use neither pgcrypto nor uuid-ossp, so SHA-1 (FIPS 180-4) is written out
-- here on bigints masked to 32 bits. Five rounds per loop pass, with the
-- working variables' roles rotating instead of being shuffled, keep it at about
-- two statements per round.
CREATE OR REPLACE FUNCTION analytics.uuid_v5(p_name bytea)
RETURNS uuid
LANGUAGE plpgsql
IMMUTABLE STRICT PARALLEL SAFE
SET search_path = analytics, pg_catalog, pg_temp
AS $$
DECLARE
  m  constant bigint := 4294967295;  -- 2^32 - 1
  msg bytea;
  len bigint;
  w  bigint[] := array_fill(0::bigint, ARRAY[80]);
  h0 bigint := 1732584193;   -- 0x67452301
  h1 bigint := 4023233417;   -- 0xEFCDAB89
  h2 bigint := 2562383102;   -- 0x98BADCFE
  h3 bigint := 271733878;    -- 0x10325476
  h4 bigint := 3285377520;   -- 0xC3D2E1F0
  a bigint; b bigint; c bigint; d bigint; e bigint;
  x bigint;
  o integer;  -- byte offset into msg
  t integer;  -- rounds done in this block
BEGIN
  -- The namespace, the name, 0x80, zeros up to 56 mod 64, the bit length.
  msg := '\x6ba7b8119dad11d180b400c04fd430c8'::bytea || p_name;
  len := length(msg);
  msg := msg || '\x80'::bytea || decode(repeat('00', ((119 - len % 64) % 64)::integer), 'hex')
             || int8send(len * 8);

  FOR blk IN 0 .. length(msg) / 64 - 1 LOOP
    o := blk * 64;
    FOR i IN 1 .. 16 LOOP
      w[i] := (get_byte(msg, o)::bigint << 24) | (get_byte(msg, o + 1) << 16)
            | (get_byte(msg, o + 2) << 8) | get_byte(msg, o + 3);
      o := o + 4;
    END LOOP;
    FOR i IN 17 .. 80 LOOP
      x := w[i - 3] # w[i - 8] # w[i - 14] # w[i - 16];
      w[i] := ((x << 1) | (x >> 31)) & m;
    END LOOP;

    a := h0; b := h1; c := h2; d := h3; e := h4;
    t := 0;
    -- Rounds 0..19: f = Ch(b, c, d), k = 0x5A827999.
    FOR i IN 1 .. 4 LOOP
      e := (((a << 5) | (a >> 27)) + ((b & c) | (~b & d)) + e + 1518500249 + w[t + 1]) & m; b := ((b << 30) | (b >> 2)) & m;
      d := (((e << 5) | (e >> 27)) + ((a & b) | (~a & c)) + d + 1518500249 + w[t + 2]) & m; a := ((a << 30) | (a >> 2)) & m;
      c := (((d << 5) | (d >> 27)) + ((e & a) | (~e & b)) + c + 1518500249 + w[t + 3]) & m; e := ((e << 30) | (e >> 2)) & m;
      b := (((c << 5) | (c >> 27)) + ((d & e) | (~d & a)) + b + 1518500249 + w[t + 4]) & m; d := ((d << 30) | (d >> 2)) & m;
      a := (((b << 5) | (b >> 27)) + ((c & d) | (~c & e)) + a + 1518500249 + w[t + 5]) & m; c := ((c << 30) | (c >> 2)) & m;
      t := t + 5;
    END LOOP;
    -- Rounds 20..39: f = Parity(b, c, d), k = 0x6ED9EBA1.
    FOR i IN 1 .. 4 LOOP
      e := (((a << 5) | (a >> 27)) + (b # c # d) + e + 1859775393 + w[t + 1]) & m; b := ((b << 30) | (b >> 2)) & m;
      d := (((e << 5) | (e >> 27)) + (a # b # c) + d + 1859775393 + w[t + 2]) & m; a := ((a << 30) | (a >> 2)) & m;
      c := (((d << 5) | (d >> 27)) + (e # a # b) + c + 1859775393 + w[t + 3]) & m; e := ((e << 30) | (e >> 2)) & m;
      b := (((c << 5) | (c >> 27)) + (d # e # a) + b + 1859775393 + w[t + 4]) & m; d := ((d << 30) | (d >> 2)) & m;
      a := (((b << 5) | (b >> 27)) + (c # d # e) + a + 1859775393 + w[t + 5]) & m; c := ((c << 30) | (c >> 2)) & m;
      t := t + 5;
    END LOOP;
    -- Rounds 40..59: f = Maj(b, c, d), k = 0x8F1BBCDC.
    FOR i IN 1 .. 4 LOOP
      e := (((a << 5) | (a >> 27)) + ((b & c) | (b & d) | (c & d)) + e + 2400959708 + w[t + 1]) & m; b := ((b << 30) | (b >> 2)) & m;
      d := (((e << 5) | (e >> 27)) + ((a & b) | (a & c) | (b & c)) + d + 2400959708 + w[t + 2]) & m; a := ((a << 30) | (a >> 2)) & m;
      c := (((d << 5) | (d >> 27)) + ((e & a) | (e & b) | (a & b)) + c + 2400959708 + w[t + 3]) & m; e := ((e << 30) | (e >> 2)) & m;
      b := (((c << 5) | (c >> 27)) + ((d & e) | (d & a) | (e & a)) + b + 2400959708 + w[t + 4]) & m; d := ((d << 30) | (d >> 2)) & m;
      a := (((b << 5) | (b >> 27)) + ((c & d) | (c & e) | (d & e)) + a + 2400959708 + w[t + 5]) & m; c := ((c << 30) | (c >> 2)) & m;
      t := t + 5;
    END LOOP;
    -- Rounds 60..79: f = Parity(b, c, d), k = 0xCA62C1D6.
    FOR i IN 1 .. 4 LOOP
      e := (((a << 5) | (a >> 27)) + (b # c # d) + e + 3395469782 + w[t + 1]) & m; b := ((b << 30) | (b >> 2)) & m;
      d := (((e << 5) | (e >> 27)) + (a # b # c) + d + 3395469782 + w[t + 2]) & m; a := ((a << 30) | (a >> 2)) & m;
      c := (((d << 5) | (d >> 27)) + (e # a # b) + c + 3395469782 + w[t + 3]) & m; e := ((e << 30) | (e >> 2)) & m;
      b := (((c << 5) | (c >> 27)) + (d # e # a) + b + 3395469782 + w[t + 4]) & m; d := ((d << 30) | (d >> 2)) & m;
      a := (((b << 5) | (b >> 27)) + (c # d # e) + a + 3395469782 + w[t + 5]) & m; c := ((c << 30) | (c >> 2)) & m;
      t := t + 5;
    END LOOP;

    h0 := (h0 + a) & m; h1 := (h1 + b) & m; h2 := (h2 + c) & m;
    h3 := (h3 + d) & m; h4 := (h4 + e) & m;
  END LOOP;

  -- The first 16 bytes of the digest, with version 5 and the RFC 4122 variant.
  h1 := (h1 & 4294905855) | 20480;       -- byte 6: (x & 0x0f) | 0x50
  h2 := (h2 & 1073741823) | 2147483648;  -- byte 8: (x & 0x3f) | 0x80
  RETURN (lpad(to_hex(h0), 8, '0') || lpad(to_hex(h1), 8, '0')
          || lpad(to_hex(h2), 8, '0') || lpad(to_hex(h3), 8, '0'))::uuid;
END
$$;

# services.sh: starts and stops the real services the compatibility suite
# scans (nginx, vsftpd, OpenSSH, Redis, memcached), each with its own
# configuration in $WORK, bound to 127.0.0.1 on its standard port, as a
# child process whose PID is recorded. Sourced by run.sh (POSIX sh).
#   svc_ports_free        0 if nothing listens on any of $SVC_PORTS
#   svc_setup             writes configs, certificates, keys and content
#   svc_start_all         starts every service, waits until each listens
#   svc_stop_all          stops them by PID (safe to call more than once)
# Known values the comparison depends on: COMPAT_USER / COMPAT_PASS (the
# basic-auth login of /secret/), COMPAT_FTP_PASS, the page title, the FTP
# files.

SVC_PORTS="21 22 80 443 6379 11211"
SVC_PIDS=""
COMPAT_USER=admin
COMPAT_PASS=compat-secret-42
# vsftpd takes "anonymous" only with this password or ftp-anon's "IEUser@".
COMPAT_FTP_PASS=ftp-compat-7

# Prints the ports (decimal) that something listens on, from the kernel's
# tables: any address, IPv4 or IPv6, since a wildcard listener on a port
# also keeps us from binding 127.0.0.1 to it.
listening_ports() {
  for t in /proc/net/tcp /proc/net/tcp6; do
    [ -r "$t" ] && awk 'NR > 1 && $4 == "0A" {
      split($2, a, ":"); print a[2] }' "$t"
  done | while read -r hex; do printf '%d\n' "0x$hex"; done | sort -u
}

# 0 when none of SVC_PORTS is taken; otherwise names the busy ones.
svc_ports_free() {
  spf_busy=""
  spf_list=$(listening_ports)
  for p in $SVC_PORTS; do
    if printf '%s\n' "$spf_list" | grep -qx "$p"; then
      spf_busy="$spf_busy $p"
    fi
  done
  [ -z "$spf_busy" ] && return 0
  echo "ports already in use:$spf_busy" >&2
  return 1
}

# wait_listen NAME PORT: waits (up to 10 s) until something listens on PORT.
wait_listen() {
  wl_i=0
  while [ $wl_i -lt 100 ]; do
    if listening_ports | grep -qx "$2"; then return 0; fi
    sleep 0.1
    wl_i=$((wl_i + 1))
  done
  echo "compat: $1 did not start listening on port $2" >&2
  [ -f "$WORK/$1.log" ] && sed 's/^/  /' "$WORK/$1.log" | tail -20 >&2
  return 1
}

svc_setup_web() {
  mkdir -p "$WORK/www/secret" "$WORK/www/docs" "$WORK/www/pub/old" \
    "$WORK/www/.git" "$WORK/nginx-tmp"
  cat >"$WORK/www/index.html" <<'HTML'
<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<meta name="generator" content="CompatGen 1.2">
<title>nsx compat &amp; test page — café</title>
<link rel="icon" href="/favicon.ico">
<link rel="alternate" type="application/rss+xml" title="News" href="/feed.xml">
</head>
<body>
<!-- TODO: remove the staging link before release -->
<h1>Compatibility</h1>
<p><a href="/docs/guide.html">Guide</a>, <a href="/docs/packed.html">packed
notes</a>, <a href="/pub/">files</a> and <a href="/secret/">members</a>.</p>
<p><a href="/missing.html">An old page</a>. Write to webmaster@compat.test
or see 10.11.12.13.</p>
<form action="/login" method="post">
<input type="text" name="user"><input type="password" name="pass">
<input type="submit" value="Log in">
</form>
</body>
</html>
HTML
  cat >"$WORK/www/docs/guide.html" <<'HTML'
<html><head><title>Guide</title></head>
<body><!-- written for the compat suite -->
<p>Back to the <a href="/index.html">start</a>.</p></body></html>
HTML
  # Served only gzip-compressed (gzip_static always), so http.lua has to
  # inflate it with the zlib module to find its comment and links.
  cat >"$WORK/packed.html" <<'HTML'
<html><head><title>Packed</title></head>
<body><!-- this page travels gzip-compressed -->
<p><a href="/docs/guide.html">guide</a></p></body></html>
HTML
  gzip -n -9 -c "$WORK/packed.html" >"$WORK/www/docs/packed.html.gz"
  cat >"$WORK/www/secret/index.html" <<'HTML'
<html><head><title>Members only</title></head><body>ok</body></html>
HTML
  cat >"$WORK/www/feed.xml" <<'XML'
<?xml version="1.0"?>
<rss version="2.0"><channel><title>Compat news</title>
<link>http://127.0.0.1/</link><description>none</description>
</channel></rss>
XML
  cat >"$WORK/www/crossdomain.xml" <<'XML'
<?xml version="1.0"?>
<cross-domain-policy>
<allow-access-from domain="*" />
</cross-domain-policy>
XML
  printf 'User-agent: *\nDisallow: /secret/\nDisallow: /private/\n' \
    >"$WORK/www/robots.txt"
  # A small fixed "icon": http-favicon reports its MD5 as unknown.
  printf '\000\000\001\000nsx-compat-favicon\n' >"$WORK/www/favicon.ico"
  # An exposed Git directory (http-git) and an index listing (http-ls).
  printf 'ref: refs/heads/main\n' >"$WORK/www/.git/HEAD"
  printf 'Compat test repository\n' >"$WORK/www/.git/description"
  printf '[core]\n\trepositoryformatversion = 0\n[remote "origin"]\n\turl = https://git.compat.test/nsx.git\n' \
    >"$WORK/www/.git/config"
  printf 'alpha\n' >"$WORK/www/pub/alpha.txt"
  head -c 3000 /dev/zero | tr '\0' 'b' >"$WORK/www/pub/beta.bin"
  printf 'old\n' >"$WORK/www/pub/old/notes.txt"
  # A fixed date keeps Last-Modified, ETag and listings the same for both
  # scanners (they also only ever see one copy of each file).
  find "$WORK/www" -exec touch -d '2021-06-01 12:00:00 UTC' {} +
  # apr1 hash: nginx reads it; openssl makes it (no apache2-utils needed).
  printf '%s:%s\n' "$COMPAT_USER" \
    "$(openssl passwd -apr1 -salt nsxcompa "$COMPAT_PASS")" \
    >"$WORK/htpasswd"
  # Two certificates: RSA, with UTF-8 names and an e-mail address in its
  # subject, and ECDSA P-256. A client without SNI gets the RSA one; one
  # that sends SNI "localhost" makes nginx pick by the client's offer
  # (cipher order and signature algorithms).
  openssl req -x509 -newkey rsa:2048 -nodes -days 30 -utf8 \
    -subj "/C=XX/ST=Zürich/L=Test Town/O=nsx compat/OU=Tëst Unit/CN=localhost/emailAddress=admin@compat.test" \
    -addext "subjectAltName=DNS:localhost,DNS:www.compat.test,IP:127.0.0.1" \
    -keyout "$WORK/tls.key" -out "$WORK/tls.crt" >/dev/null 2>&1
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -days 30 -subj "/O=nsx compat/CN=localhost" \
    -addext "subjectAltName=DNS:localhost" \
    -keyout "$WORK/tls-ec.key" -out "$WORK/tls-ec.crt" >/dev/null 2>&1
  # The server blocks share their locations; 80 sets a session cookie
  # without flags (http-cookie-flags), 443 sends security headers.
  tls_common="ssl_certificate $WORK/tls.crt;
    ssl_certificate_key $WORK/tls.key;
    add_header Strict-Transport-Security \"max-age=31536000\" always;
    add_header X-Frame-Options DENY always;
    add_header X-Content-Type-Options nosniff always;"
  locations="location /secret/ {
      auth_basic \"Compat Members\";
      auth_basic_user_file $WORK/htpasswd;
    }
    location /pub/ { autoindex on; }
    location /docs/ { gzip_static always; }"
  cat >"$WORK/nginx.conf" <<EOF
daemon off;
master_process off;
worker_processes 1;
pid $WORK/nginx.pid;
error_log $WORK/nginx.log warn;
events { worker_connections 512; }
http {
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  access_log off;
  client_body_temp_path $WORK/nginx-tmp/body;
  proxy_temp_path $WORK/nginx-tmp/proxy;
  fastcgi_temp_path $WORK/nginx-tmp/fastcgi;
  uwsgi_temp_path $WORK/nginx-tmp/uwsgi;
  scgi_temp_path $WORK/nginx-tmp/scgi;
  root $WORK/www;
  server {
    listen 127.0.0.1:80;
    server_name localhost;
    add_header Set-Cookie "PHPSESSID=nsxcompat0123456789; Path=/";
    $locations
  }
  server {
    listen 127.0.0.1:443 ssl http2 default_server;
    server_name _;
    $tls_common
    $locations
  }
  server {
    listen 127.0.0.1:443 ssl http2;
    server_name localhost;
    $tls_common
    ssl_certificate $WORK/tls-ec.crt;
    ssl_certificate_key $WORK/tls-ec.key;
    $locations
  }
}
EOF
}

svc_setup_ftp() {
  # vsftpd chroots anonymous users into anon_root, which must not be
  # writable by them; secure_chroot_dir must be empty and root-owned.
  mkdir -p "$WORK/ftp/pub" "$WORK/ftp-empty"
  printf 'nsx compat readme\n' >"$WORK/ftp/README.txt"
  printf 'data\n' >"$WORK/ftp/pub/data.bin"
  # Names that need escaping in both outputs (UTF-8, "&", "<", a tab, a
  # control character), and more files than ftp-anon lists by default (20).
  : >"$WORK/ftp/café — menü.txt"
  : >"$WORK/ftp/a&b <c>.txt"
  : >"$WORK/ftp/$(printf 'tab\there')"
  : >"$WORK/ftp/$(printf 'bell\007')"
  for i in 01 02 03 04 05 06 07 08 09 10 11 12 13 14 15 16 17 18; do
    printf '%s\n' "$i" >"$WORK/ftp/file$i.log"
  done
  find "$WORK/ftp" -exec touch -d '2021-06-01 12:00:00 UTC' {} +
  chmod 755 "$WORK/ftp" "$WORK/ftp/pub" "$WORK/ftp-empty"
  # AUTH TLS is offered but not required: ftp-anon logs in in clear text,
  # the ssl-* scripts upgrade the connection (STARTTLS, reconnect_ssl).
  openssl req -x509 -newkey rsa:2048 -nodes -days 30 \
    -subj "/O=nsx compat/CN=ftp.compat.test" \
    -keyout "$WORK/ftp.key" -out "$WORK/ftp.crt" >/dev/null 2>&1
  # Anonymous logins need one of these passwords, so that ftp-brute finds
  # exactly one: with any password accepted, which guess wins depends on
  # how the brute workers interleave.
  printf 'IEUser@\n%s\n' "$COMPAT_FTP_PASS" >"$WORK/ftp-passwords"
  cat >"$WORK/vsftpd.conf" <<EOF
listen=YES
listen_ipv6=NO
listen_address=127.0.0.1
listen_port=21
background=NO
anonymous_enable=YES
anon_root=$WORK/ftp
no_anon_password=NO
secure_email_list_enable=YES
email_password_file=$WORK/ftp-passwords
delay_failed_login=0
local_enable=NO
write_enable=NO
hide_ids=YES
seccomp_sandbox=NO
secure_chroot_dir=$WORK/ftp-empty
xferlog_enable=NO
vsftpd_log_file=$WORK/vsftpd.log
dual_log_enable=NO
pasv_min_port=40000
pasv_max_port=40100
max_per_ip=0
max_clients=0
ssl_enable=YES
rsa_cert_file=$WORK/ftp.crt
rsa_private_key_file=$WORK/ftp.key
allow_anon_ssl=YES
force_anon_logins_ssl=NO
force_anon_data_ssl=NO
require_ssl_reuse=NO
ssl_tlsv1=YES
ssl_sslv2=NO
ssl_sslv3=NO
EOF
}

svc_setup_ssh() {
  for kt in rsa ecdsa ed25519; do
    ssh-keygen -q -t $kt -N '' -C "compat-$kt" -f "$WORK/ssh_host_${kt}_key"
  done
  cat >"$WORK/sshd_config" <<EOF
ListenAddress 127.0.0.1
Port 22
HostKey $WORK/ssh_host_rsa_key
HostKey $WORK/ssh_host_ecdsa_key
HostKey $WORK/ssh_host_ed25519_key
PidFile $WORK/sshd.pid
UsePAM no
PasswordAuthentication yes
KbdInteractiveAuthentication no
PermitRootLogin no
MaxStartups 100:30:200
MaxAuthTries 6
LogLevel ERROR
EOF
  # sshd's privilege-separation directory is compiled in; the Debian init
  # script creates it the same way.
  mkdir -p /run/sshd
  chmod 755 /run/sshd
}

svc_setup_kv() {
  mkdir -p "$WORK/redis"
  cat >"$WORK/redis.conf" <<EOF
bind 127.0.0.1
port 6379
protected-mode yes
daemonize no
supervised no
pidfile $WORK/redis.pid
logfile ""
dir $WORK/redis
save ""
appendonly no
EOF
}

svc_setup() {
  chmod 755 "$WORK"
  svc_setup_web
  svc_setup_ftp
  svc_setup_ssh
  svc_setup_kv
}

# svc_run NAME CMD...: starts CMD in the background, output to NAME.log.
# Each service also has a lifetime (SVC_LIFETIME seconds, default 900), so
# that one whose stop never ran (the test killed outright) still ends and
# frees its port; stopping the 'timeout' process stops the service.
svc_run() {
  sr_name=$1
  shift
  timeout -k 5 "${SVC_LIFETIME:-900}" "$@" >"$WORK/$sr_name.log" 2>&1 &
  SVC_PIDS="$SVC_PIDS $!"
  echo "$!" >"$WORK/$sr_name.pid-run"
}

svc_start_all() {
  nginx -t -c "$WORK/nginx.conf" >"$WORK/nginx-t.log" 2>&1 || {
    echo "compat: nginx rejected its configuration:" >&2
    cat "$WORK/nginx-t.log" >&2
    return 1
  }
  svc_run nginx nginx -c "$WORK/nginx.conf"
  svc_run vsftpd vsftpd "$WORK/vsftpd.conf"
  svc_run sshd /usr/sbin/sshd -D -e -f "$WORK/sshd_config"
  svc_run redis redis-server "$WORK/redis.conf"
  svc_run memcached memcached -l 127.0.0.1 -p 11211 -U 0 -u memcache -c 512
  wait_listen nginx 80 && wait_listen nginx 443 && wait_listen vsftpd 21 &&
    wait_listen sshd 22 && wait_listen redis 6379 &&
    wait_listen memcached 11211
}

svc_stop_all() {
  for pid in $SVC_PIDS; do
    kill "$pid" 2>/dev/null
  done
  for pid in $SVC_PIDS; do
    ssa_i=0
    while kill -0 "$pid" 2>/dev/null && [ $ssa_i -lt 50 ]; do
      sleep 0.1
      ssa_i=$((ssa_i + 1))
    done
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  done
  SVC_PIDS=""
}

#!/usr/bin/env bash
# Regenerates the fixed test certificates in this folder with OpenSSL 3.0 (see README.md).
# Keys are thrown away; only the certificates are kept. Output differs on every run (fresh keys).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
# OpenSSL 3.0 needs an SM2-type key (genpkey -algorithm SM2) for -sigopt distid to apply.
sm2id=(-sigopt distid:1234567812345678)

# 1. SM2 root CA with a Chinese name.
openssl genpkey -algorithm SM2 -out root.key
openssl req -x509 -key root.key -sm3 "${sm2id[@]}" \
  -utf8 -subj "/C=CN/ST=北京市/O=国家卫生健康委员会测试CA/CN=MedSign 测试 SM2 根CA" \
  -days 7300 -set_serial 0x1001 \
  -addext "basicConstraints=critical,CA:TRUE,pathlen:1" \
  -addext "keyUsage=critical,keyCertSign,cRLSign" \
  -addext "subjectKeyIdentifier=hash" \
  -out sm2_root.pem

# 2. SM2 doctor certificate issued by the root: Chinese CN, GM/T 0015 and health-sector extensions.
openssl genpkey -algorithm SM2 -out doctor.key
openssl req -new -key doctor.key -sm3 "${sm2id[@]}" \
  -utf8 -subj "/C=CN/ST=广东省/L=广州市/O=某某市人民医院/OU=心内科/CN=张医生/serialNumber=440101199001011234" \
  -out doctor.csr
cat > doctor.ext <<'EXT'
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,nonRepudiation
extendedKeyUsage=clientAuth,emailProtection,1.3.6.1.4.1.311.10.3.12
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid:always
subjectAltName=@san
crlDistributionPoints=URI:http://crl.example.cn/sm2root.crl,URI:ldap://ldap.example.cn/cn=sm2root%2Co=test?certificateRevocationList;binary
authorityInfoAccess=OCSP;URI:http://ocsp.example.cn/,caIssuers;URI:http://ca.example.cn/sm2root.cer
certificatePolicies=@policy
# GM/T 0015 IdentifyCode: residenterCardNumber [0] IMPLICIT PrintableString
1.2.156.10260.4.1.1=DER:8012343430313031313939303031303131323334
# GM/T 0015 social insurance number (PrintableString)
1.2.156.10260.4.1.2=ASN1:PRINTABLESTRING:SI-4401-0099
# GM/T 0015-2023 unified social credit code (PrintableString)
1.2.156.10260.4.4=ASN1:PRINTABLESTRING:12440100455353177X
# health-worker number (UTF8String)
2.16.156.10011.1.4=ASN1:FORMAT:UTF8,UTF8String:医师-110440100001234
[san]
email.1=zhang.yisheng@example.cn
DNS.1=doctor.example.cn
URI.1=https://his.example.cn/staff/1234
IP.1=192.0.2.10
IP.2=2001:db8::1
otherName.1=1.3.6.1.4.1.311.20.2.3;UTF8:zhang@example.cn
dirName.1=dir_sect
[dir_sect]
C=CN
O=Example Hospital
CN=Zhang
[policy]
policyIdentifier=1.2.156.112559.1.1.4.1
CPS.1=http://ca.example.cn/cps
EXT
openssl x509 -req -in doctor.csr -CA sm2_root.pem -CAkey root.key -sm3 "${sm2id[@]}" \
  -vfyopt distid:1234567812345678 -set_serial 0x00a1b2c3d4e5f60718 -days 730 -extfile doctor.ext \
  -out sm2_doctor.pem

# 3. RSA certificate with an unknown critical extension (validation must refuse it).
openssl req -x509 -newkey rsa:2048 -nodes -keyout rsa.key -sha256 -subj "/C=CN/O=Test/CN=unknown critical" \
  -days 3650 -addext "1.2.3.4.5=critical,DER:0500" -addext "2.5.29.30=critical,DER:3000" \
  -out rsa_unknown_critical.pem

# 4. ECDSA P-384 device certificate with GeneralizedTime validity past 2049 and a BMPString OU.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-384 -nodes -keyout p384.key -sha384 \
  -subj "/C=CN/O=Device/CN=tablet-0001" -days 18000 -addext "basicConstraints=critical,CA:FALSE" \
  -addext "extendedKeyUsage=timeStamping" -out p384_device.pem

cp sm2_root.pem sm2_doctor.pem rsa_unknown_critical.pem p384_device.pem "$here/"
cat sm2_doctor.pem sm2_root.pem > "$here/sm2_chain.pem"
for f in sm2_root sm2_doctor rsa_unknown_critical p384_device; do
  openssl x509 -in "$here/$f.pem" -outform DER -out "$here/$f.der"
done

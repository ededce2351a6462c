"""``openssl help``: OpenSSL 3.0's command list, as the real binary prints it (to stderr)."""

from __future__ import annotations

__all__ = ["COMMANDS", "HELP"]

HELP = (
    'help:\n'
    '\n'
    'Standard commands\n'
    'asn1parse         ca                ciphers           cmp               \n'
    'cms               crl               crl2pkcs7         dgst              \n'
    'dhparam           dsa               dsaparam          ec                \n'
    'ecparam           enc               engine            errstr            \n'
    'fipsinstall       gendsa            genpkey           genrsa            \n'
    'help              info              kdf               list              \n'
    'mac               nseq              ocsp              passwd            \n'
    'pkcs12            pkcs7             pkcs8             pkey              \n'
    'pkeyparam         pkeyutl           prime             rand              \n'
    'rehash            req               rsa               rsautl            \n'
    's_client          s_server          s_time            sess_id           \n'
    'smime             speed             spkac             srp               \n'
    'storeutl          ts                verify            version           \n'
    'x509              \n'
    '\n'
    "Message Digest commands (see the `dgst' command for more details)\n"
    'blake2b512        blake2s256        md4               md5               \n'
    'rmd160            sha1              sha224            sha256            \n'
    'sha3-224          sha3-256          sha3-384          sha3-512          \n'
    'sha384            sha512            sha512-224        sha512-256        \n'
    'shake128          shake256          sm3               \n'
    '\n'
    "Cipher commands (see the `enc' command for more details)\n"
    'aes-128-cbc       aes-128-ecb       aes-192-cbc       aes-192-ecb       \n'
    'aes-256-cbc       aes-256-ecb       aria-128-cbc      aria-128-cfb      \n'
    'aria-128-cfb1     aria-128-cfb8     aria-128-ctr      aria-128-ecb      \n'
    'aria-128-ofb      aria-192-cbc      aria-192-cfb      aria-192-cfb1     \n'
    'aria-192-cfb8     aria-192-ctr      aria-192-ecb      aria-192-ofb      \n'
    'aria-256-cbc      aria-256-cfb      aria-256-cfb1     aria-256-cfb8     \n'
    'aria-256-ctr      aria-256-ecb      aria-256-ofb      base64            \n'
    'bf                bf-cbc            bf-cfb            bf-ecb            \n'
    'bf-ofb            camellia-128-cbc  camellia-128-ecb  camellia-192-cbc  \n'
    'camellia-192-ecb  camellia-256-cbc  camellia-256-ecb  cast              \n'
    'cast-cbc          cast5-cbc         cast5-cfb         cast5-ecb         \n'
    'cast5-ofb         des               des-cbc           des-cfb           \n'
    'des-ecb           des-ede           des-ede-cbc       des-ede-cfb       \n'
    'des-ede-ofb       des-ede3          des-ede3-cbc      des-ede3-cfb      \n'
    'des-ede3-ofb      des-ofb           des3              desx              \n'
    'rc2               rc2-40-cbc        rc2-64-cbc        rc2-cbc           \n'
    'rc2-cfb           rc2-ecb           rc2-ofb           rc4               \n'
    'rc4-40            seed              seed-cbc          seed-cfb          \n'
    'seed-ecb          seed-ofb          sm4-cbc           sm4-cfb           \n'
    'sm4-ctr           sm4-ecb           sm4-ofb           \n'
    '\n'
)

# Every command name the list holds (the simulation supports four of them).
COMMANDS = frozenset(word for line in HELP.splitlines()
                     if line != "help:" and "commands" not in line for word in line.split())

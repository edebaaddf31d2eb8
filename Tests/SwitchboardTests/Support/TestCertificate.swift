/// A self-signed certificate for `localhost` (valid until 2126) and its key, made for these tests only:
/// the TLS upstream in `UpstreamClientTests` presents it, and a client trusts it only when told to.
enum TestCertificate {
    static let certificatePEM = """
-----BEGIN CERTIFICATE-----
MIIBlTCCATugAwIBAgIUPFN/82N2G7g+CnnxK8CMfclTOmQwCgYIKoZIzj0EAwIw
FDESMBAGA1UEAwwJbG9jYWxob3N0MCAXDTI2MTIwNDA2MTg1NloYDzIxMjYxMTEw
MDYxODU2WjAUMRIwEAYDVQQDDAlsb2NhbGhvc3QwWTATBgcqhkjOPQIBBggqhkjO
PQMBBwNCAASbA4bJGg+MJUdfJVaht2rfJ2T4JXncMZo52qcWbMfDvGW8GF5OlfKc
EyDWrS1X3Vjk27FY2ydNiDiECfDSM1V+o2kwZzAdBgNVHQ4EFgQUEwums5joK7lJ
qqBN629xxlBQs7UwHwYDVR0jBBgwFoAUEwums5joK7lJqqBN629xxlBQs7UwDwYD
VR0TAQH/BAUwAwEB/zAUBgNVHREEDTALgglsb2NhbGhvc3QwCgYIKoZIzj0EAwID
SAAwRQIgCfkaZh3PVq9FtiIccstHpaHusZvue7BWu0qlzM7PcpcCIQCftwZLOBLp
YkdbktS72M5I1PrhG2DMYZm1dmFn5tTIQg==
-----END CERTIFICATE-----
"""

    static let privateKeyPEM = """
-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgHewQmPkq4OC0mvTB
h/xTchEB/CfXxlN0hbx3C74ZEQChRANCAASbA4bJGg+MJUdfJVaht2rfJ2T4JXnc
MZo52qcWbMfDvGW8GF5OlfKcEyDWrS1X3Vjk27FY2ydNiDiECfDSM1V+
-----END PRIVATE KEY-----
"""
}

// The sandbox aggregator's test certificate chain (issue 18): a leaf certificate for its request signing key, issued by
// a test root, both made once with openssl and committed (node:crypto cannot make certificates, and no dependency was
// added for it). Test-only data: the key signs nothing but the sandbox's credential_authorization_jwt, for tests and
// development; it is public here on purpose and protects nothing. Valid ten years from 2026.

/** the test root (CN=Sandbox Aggregator Test Root): what a wallet would pin for this aggregator */
export const AGGREGATOR_ROOT_PEM = `-----BEGIN CERTIFICATE-----
MIIB/jCCAaWgAwIBAgIUPenrxkqMcHcTdsFW07IOa/a7wb4wCgYIKoZIzj0EAwIw
TTElMCMGA1UEAwwcU2FuZGJveCBBZ2dyZWdhdG9yIFRlc3QgUm9vdDEkMCIGA1UE
CgwbVmVyaWZpY2F0aW9uIEJyb2tlciBTYW5kYm94MB4XDTI2MTIwMjA3MTA0OVoX
DTM2MTEyOTA3MTA0OVowTTElMCMGA1UEAwwcU2FuZGJveCBBZ2dyZWdhdG9yIFRl
c3QgUm9vdDEkMCIGA1UECgwbVmVyaWZpY2F0aW9uIEJyb2tlciBTYW5kYm94MFkw
EwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEtoNtNcrKeyazXr3asfaWV8gyhdD430VH
cDV97IfVRmucHxRpdzNIQlFNRK4OAlbXlYt1cl7bGhNnlffiFMk7oaNjMGEwHQYD
VR0OBBYEFFAJtO8n0gGFWAjln6j4R+smmrl7MB8GA1UdIwQYMBaAFFAJtO8n0gGF
WAjln6j4R+smmrl7MA8GA1UdEwEB/wQFMAMBAf8wDgYDVR0PAQH/BAQDAgIEMAoG
CCqGSM49BAMCA0cAMEQCIBU0fn0ZP3tFJU6Zs+1KOz+7VVy9+++2BaaZ8bgFtSpN
AiBck4DS7P+xkocj7ScWhVMqWFUfoDTybhZXxcY+MwFllQ==
-----END CERTIFICATE-----`;

/** the leaf (CN=sandbox-aggregator.invalid), issued by the root: first in the x5c chain */
export const AGGREGATOR_LEAF_PEM = `-----BEGIN CERTIFICATE-----
MIICIzCCAcmgAwIBAgIUQJG7JQDoUYmDdTcG3J8R539XC7owCgYIKoZIzj0EAwIw
TTElMCMGA1UEAwwcU2FuZGJveCBBZ2dyZWdhdG9yIFRlc3QgUm9vdDEkMCIGA1UE
CgwbVmVyaWZpY2F0aW9uIEJyb2tlciBTYW5kYm94MB4XDTI2MTIwMjA3MTA0OVoX
DTM2MTEyOTA3MTA0OVowSzEjMCEGA1UEAwwac2FuZGJveC1hZ2dyZWdhdG9yLmlu
dmFsaWQxJDAiBgNVBAoMG1ZlcmlmaWNhdGlvbiBCcm9rZXIgU2FuZGJveDBZMBMG
ByqGSM49AgEGCCqGSM49AwEHA0IABEr0IDgBLbx9gLi8E0BHQNn+/hX/hfQxtQlL
OSm1RdD5cNwheDU7d3vW/ytN+Yo81Dpg4OdS49gCDz9iRS0YsyCjgYgwgYUwDAYD
VR0TAQH/BAIwADAOBgNVHQ8BAf8EBAMCB4AwJQYDVR0RBB4wHIIac2FuZGJveC1h
Z2dyZWdhdG9yLmludmFsaWQwHQYDVR0OBBYEFCrVp+pLFnBbeV94r17yFMpWIjvC
MB8GA1UdIwQYMBaAFFAJtO8n0gGFWAjln6j4R+smmrl7MAoGCCqGSM49BAMCA0gA
MEUCIBITvuRTzhS/eHbEEVbhVQzBeVmUwNqvc7dsS4CpIYVkAiEAqCYNU5jKW7Ui
/AmfDj08q6eMdUEytOqup9cPDTkDu4Y=
-----END CERTIFICATE-----`;

/** the leaf's P-256 private key (PKCS#8): ES256 */
export const AGGREGATOR_LEAF_KEY_PEM = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgKJqhZYNv42GjffSW
3JC/EBZUh5VEBIGG8A716I39I7yhRANCAARK9CA4AS28fYC4vBNAR0DZ/v4V/4X0
MbUJSzkptUXQ+XDcIXg1O3d71v8rTfmKPNQ6YODnUuPYAg8/YkUtGLMg
-----END PRIVATE KEY-----`;

/** RFC 7515 §4.1.6: x5c holds base64 (not base64url) DER, the signing certificate first */
export function x5cOf(...pems: string[]): string[] {
  return pems.map((pem) => pem.replace(/-----(BEGIN|END) CERTIFICATE-----|\s+/g, ''));
}

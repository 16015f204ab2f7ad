import { Fn } from 'cdktf';

// cdktf's string token markers, e.g. "${TfToken[TOKEN.12]}".
const TOKEN = /(\$\{TfToken\[[^\]]+\]\})/;

/**
 * Base64 of a text that may hold deploy-time values (a public IP, a variable), for `custom_data`. Terraform
 * function arguments cannot carry raw quotes or `${`, so each literal part travels base64-encoded and is decoded
 * in place: base64encode(join("", [base64decode("<part>"), azurerm_public_ip.x.ip_address, ...])).
 */
export function base64WithTokens(text: string): string {
  const parts = text.split(TOKEN).filter((p) => p !== '');
  if (!parts.some((p) => TOKEN.test(p))) return Buffer.from(text, 'utf8').toString('base64');
  return Fn.base64encode(
    Fn.join(
      '',
      parts.map((p) => (TOKEN.test(p) ? p : Fn.base64decode(Buffer.from(p, 'utf8').toString('base64')))),
    ),
  );
}

/**
 * Terraform's base64 of a value that holds deploy-time parts, for a boot script's shell quoting: literal parts and
 * references are joined by Terraform, so no literal carries `${` into a function argument.
 */
export function base64OfValue(value: string): string {
  const parts = value.split(TOKEN).filter((p) => p !== '');
  return Fn.base64encode(parts.length === 1 ? parts[0] : Fn.join('', parts));
}

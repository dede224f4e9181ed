/** `AKIAIOSFODNN7EXAMPLE` -> `AKIA…MPLE`: enough to recognise a key, never enough to use one. */
export function maskAccessKeyId(accessKeyId: string): string {
  if (accessKeyId.length <= 8) return '…';
  return `${accessKeyId.slice(0, 4)}…${accessKeyId.slice(-4)}`;
}

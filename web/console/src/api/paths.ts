// Every server path the console calls, spelled exactly as in api/openapi.yaml.
// scripts/check-api-paths.mjs fails the build when one of them is missing from the spec.
export const PATHS = {
  metrics: '/metrics',
  authChallenge: '/api/v1/auth/challenge',
  authLogin: '/api/v1/auth/login',
  authLogout: '/api/v1/auth/logout',
  authMe: '/api/v1/auth/me',
  authPassword: '/api/v1/auth/password',
  heartbeatChallenge: '/api/v1/auth/heartbeat/challenge',
  heartbeat: '/api/v1/auth/heartbeat',
  accounts: '/api/v1/accounts',
  account: '/api/v1/accounts/{id}',
  accountLock: '/api/v1/accounts/{id}/lock',
  accountUnlock: '/api/v1/accounts/{id}/unlock',
  accountResetPassword: '/api/v1/accounts/{id}/reset-password',
  accountRole: '/api/v1/accounts/{id}/role',
  audit: '/api/v1/audit',
  auditExport: '/api/v1/audit/export',
  auditVerify: '/api/v1/audit/verify',
  auditReview: '/api/v1/audit/{seq}/review',
  systemStatus: '/api/v1/system/status',
  systemPermissions: '/api/v1/system/permissions',
  systemConfig: '/api/v1/system/config',
  systemSettings: '/api/v1/system/settings',
  systemBackup: '/api/v1/system/backup',
  keys: '/api/v1/keys',
  timeStatus: '/api/v1/time/status',
  tsaUnits: '/api/v1/tsa/units',
  tsaTokens: '/api/v1/tsa/tokens',
  svsApps: '/api/v1/svs/apps',
  svsApp: '/api/v1/svs/apps/{id}',
  svsAppEnable: '/api/v1/svs/apps/{id}/enable',
  svsAppDisable: '/api/v1/svs/apps/{id}/disable',
  svsAppRotate: '/api/v1/svs/apps/{id}/rotate-secret',
  svsKeys: '/api/v1/svs/keys',
  svsLog: '/api/v1/svs/log',
  tsaToken: '/api/v1/tsa/tokens/{serial}',
  tsaTokenFile: '/api/v1/tsa/tokens/{serial}/token',
} as const;

export type PathName = keyof typeof PATHS;

/** Substitutes {name} placeholders with URL-encoded values. */
export function fillPath(template: string, params: Record<string, string | number> = {}): string {
  return template.replace(/\{(\w+)\}/g, (_, k: string) => {
    if (!(k in params)) throw new Error(`missing path parameter ${k}`);
    return encodeURIComponent(String(params[k]));
  });
}

// The console's pages and which permissions open them. Navigation shows only what the role may use.
import type { Permission, Role } from './api/types';
import type { MessageKey } from './i18n/dict';
import type { IconName } from './components/Icon';

export type PageId =
  | 'dashboard' | 'time' | 'accounts' | 'config' | 'backup' | 'keys' | 'timestamps' | 'signing' | 'audit' | 'password'
  | 'trust' | 'ca' | 'seal-images' | 'seals' | 'pdf-sign' | 'pdf-verify';

export interface PageDef {
  id: PageId;
  label(role: Role): MessageKey;
  icon: IconName;
  allowed(perms: Permission[]): boolean;
}

const has = (p: Permission) => (perms: Permission[]) => perms.includes(p);

export const PAGES: PageDef[] = [
  { id: 'dashboard', icon: 'dashboard', label: () => 'nav.dashboard', allowed: has('read_system_status') },
  { id: 'time', icon: 'clock', label: () => 'nav.time', allowed: has('read_system_status') },
  {
    id: 'accounts',
    icon: 'users',
    label: (role) => (role === 'audit_admin' ? 'nav.accounts.audit_admin' : 'nav.accounts.sysadmin'),
    allowed: (p) => p.includes('manage_admin_accounts') || p.includes('manage_audit_accounts'),
  },
  { id: 'config', icon: 'gear', label: () => 'nav.config', allowed: has('read_system_config') },
  { id: 'backup', icon: 'database', label: () => 'nav.backup', allowed: has('run_backup') },
  { id: 'keys', icon: 'key', label: () => 'nav.keys', allowed: has('operate_business') },
  { id: 'trust', icon: 'globe', label: () => 'nav.trust', allowed: has('operate_business') },
  { id: 'ca', icon: 'lock', label: () => 'nav.ca', allowed: has('operate_business') },
  {
    id: 'timestamps',
    icon: 'stamp',
    label: () => 'nav.timestamps',
    allowed: (p) => p.includes('operate_business') || p.includes('read_audit'),
  },
  {
    id: 'signing',
    icon: 'shield',
    label: () => 'nav.signing',
    allowed: (p) => p.includes('operate_business') || p.includes('read_audit'),
  },
  { id: 'seal-images', icon: 'eye', label: () => 'nav.sealImages', allowed: has('operate_business') },
  { id: 'seals', icon: 'stamp', label: () => 'nav.seals', allowed: has('operate_business') },
  { id: 'pdf-sign', icon: 'pen', label: () => 'nav.pdfSign', allowed: has('operate_business') },
  {
    id: 'pdf-verify',
    icon: 'shield',
    label: () => 'nav.pdfVerify',
    allowed: (p) => p.includes('operate_business') || p.includes('read_audit'),
  },
  { id: 'audit', icon: 'list', label: () => 'nav.audit', allowed: has('read_audit') },
  { id: 'password', icon: 'pen', label: () => 'nav.password', allowed: () => true },
];

export function pagesFor(perms: Permission[]): PageDef[] {
  return PAGES.filter((p) => p.allowed(perms));
}

export function pageFromHash(): PageId | null {
  const id = window.location.hash.replace(/^#\/?/, '');
  return PAGES.some((p) => p.id === id) ? (id as PageId) : null;
}

import type { Role, Permission } from '../api/types';
import { useI18n } from '../i18n/I18nContext';
import { pagesFor, type PageId } from '../routes';
import { Icon } from './Icon';

interface Props {
  role: Role;
  permissions: Permission[];
  current: PageId;
  locked: boolean;
}

export function NavMenu({ role, permissions, current, locked }: Props) {
  const { t } = useI18n();
  const pages = locked ? pagesFor(permissions).filter((p) => p.id === 'password') : pagesFor(permissions);
  return (
    <nav className="side-nav" aria-label={t('nav.main')}>
      <ul>
        {pages.map((p) => (
          <li key={p.id}>
            <a href={'#/' + p.id} className={p.id === current ? 'active' : ''} aria-current={p.id === current ? 'page' : undefined}>
              <span className="nav-icon"><Icon name={p.icon} /></span>
              {t(p.label(role))}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}

import { useState } from 'react';
import { useI18n } from '../i18n/I18nContext';
import { useSession } from '../session/SessionContext';
import { InsertKeyDialog } from './InsertKeyDialog';

/** The smart key in the header: present/absent, with "remove" to pull it out. */
export function KeyDevicePanel() {
  const { t } = useI18n();
  const { key, removeKey } = useSession();
  const [inserting, setInserting] = useState(false);
  return (
    <div className={'key-device ' + (key ? 'present' : 'absent')} data-testid="key-device">
      <span className="key-led" aria-hidden="true" />
      <span className="key-state">
        {key ? t('key.present') : t('key.absent')}
        {key && <span className="muted small"> · {key.algorithm.toUpperCase()}</span>}
      </span>
      {key ? (
        <button type="button" className="small-button" onClick={removeKey}>
          {t('key.remove')}
        </button>
      ) : (
        <button type="button" className="small-button" onClick={() => setInserting(true)}>
          {t('key.insert')}
        </button>
      )}
      {inserting && <InsertKeyDialog onClose={() => setInserting(false)} />}
    </div>
  );
}

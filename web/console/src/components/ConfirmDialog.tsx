import { useState, type ReactNode } from 'react';
import { useI18n } from '../i18n/I18nContext';
import { Dialog } from './Dialog';
import { ErrorNotice } from './ErrorNotice';

/** Asks before an action that cannot be undone; shows the action's error in place. */
export function ConfirmDialog({ title, children, confirmLabel, danger, onConfirm, onClose }: {
  title: string;
  children: ReactNode;
  confirmLabel: string;
  danger?: boolean;
  onConfirm(): Promise<unknown>;
  onClose(): void;
}) {
  const { t } = useI18n();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const go = async () => {
    setBusy(true);
    setError(null);
    try {
      await onConfirm();
      onClose();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog title={title} onClose={onClose}
      footer={<>
        <button type="button" onClick={onClose}>{t('common.cancel')}</button>
        <button type="button" className={danger ? 'danger' : 'primary'} disabled={busy} onClick={() => void go()}>
          {confirmLabel}
        </button>
      </>}>
      {children}
      <ErrorNotice error={error} />
    </Dialog>
  );
}

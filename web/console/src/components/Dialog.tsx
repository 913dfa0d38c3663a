import { useEffect, useId, useRef, type ReactNode } from 'react';
import { useI18n } from '../i18n/I18nContext';

interface Props {
  title: string;
  onClose(): void;
  children: ReactNode;
  footer?: ReactNode;
  wide?: boolean;
}

/** A modal dialog: labelled, focus moves inside on open, Escape closes. */
export function Dialog({ title, onClose, children, footer, wide }: Props) {
  const { t } = useI18n();
  const id = useId();
  const ref = useRef<HTMLDivElement>(null);
  // Focus moves in once, on open; Escape calls the latest onClose (parents often pass a new function each render).
  const closeRef = useRef(onClose);
  closeRef.current = onClose;
  useEffect(() => {
    // The first field of the body (not the header's close button), else the first button.
    const body = ref.current?.querySelector('.dialog-body');
    const first = body?.querySelector<HTMLElement>('input:not([disabled]):not([type=hidden]), textarea, select')
      ?? ref.current?.querySelector<HTMLElement>('.dialog-foot button.primary, .dialog-body button.primary, button');
    first?.focus();
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && closeRef.current();
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
  return (
    <div className="dialog-backdrop">
      <div ref={ref} className={'dialog' + (wide ? ' wide' : '')} role="dialog" aria-modal="true" aria-labelledby={id}>
        <header className="dialog-head">
          <h2 id={id}>{title}</h2>
          <button type="button" className="icon-button" aria-label={t('common.close')} onClick={onClose}>
            ×
          </button>
        </header>
        <div className="dialog-body">{children}</div>
        {footer && <footer className="dialog-foot">{footer}</footer>}
      </div>
    </div>
  );
}

import { useRef, type KeyboardEvent } from 'react';

export interface TabDef<T extends string> {
  id: T;
  label: string;
}

/** A row of tabs (WAI-ARIA tabs pattern: arrow keys move between them). The panel is the caller's. */
export function Tabs<T extends string>({ tabs, current, onChange, label }: {
  tabs: TabDef<T>[];
  current: T;
  onChange(id: T): void;
  label: string;
}) {
  const refs = useRef<(HTMLButtonElement | null)[]>([]);
  const onKey = (e: KeyboardEvent, i: number) => {
    const step = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
    if (!step) return;
    e.preventDefault();
    const next = (i + step + tabs.length) % tabs.length;
    onChange(tabs[next].id);
    refs.current[next]?.focus();
  };
  return (
    <div className="tabs" role="tablist" aria-label={label}>
      {tabs.map((tab, i) => (
        <button key={tab.id} type="button" role="tab" id={`tab-${tab.id}`} aria-selected={tab.id === current}
          aria-controls={`panel-${tab.id}`} tabIndex={tab.id === current ? 0 : -1}
          ref={(el) => { refs.current[i] = el; }}
          className={'tab' + (tab.id === current ? ' active' : '')}
          onClick={() => onChange(tab.id)} onKeyDown={(e) => onKey(e, i)}>
          {tab.label}
        </button>
      ))}
    </div>
  );
}

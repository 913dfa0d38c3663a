/** The MedSign mark: a shield with a pen stroke. */
export function BrandMark({ size = 32 }: { size?: number }) {
  return (
    <svg width={size} height={size} viewBox="0 0 32 32" aria-hidden="true">
      <path d="M16 2 4 6.5v8.2c0 7.3 5 13.6 12 15.3 7-1.7 12-8 12-15.3V6.5z" fill="#0b6fb8" />
      <path d="M16 4.3 6 8.1v6.6c0 6.1 4.1 11.4 10 13 5.9-1.6 10-6.9 10-13V8.1z" fill="#1487d6" />
      <path d="M10 18.5c2-3 3.5-1 5-3s2.5-3.5 4-2 1 3.5 3 2.5" stroke="#fff" strokeWidth="2" fill="none" strokeLinecap="round" />
      <path d="M14.5 9.5h3v3h3v3h-3v3h-3v-3h-3v-3h3z" fill="#7fe0cf" opacity=".9" transform="translate(0 -1) scale(.8) translate(4 1)" />
    </svg>
  );
}

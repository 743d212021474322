// Simple SVG charts: bars over months and a line, each with a text alternative (a table for screen
// readers) so the figures are not only visual.
import { t } from '../i18n/fr.ts';

const MONTHS = ['janv.', 'févr.', 'mars', 'avr.', 'mai', 'juin', 'juil.', 'août', 'sept.', 'oct.', 'nov.', 'déc.'];
export function monthLabel(month: string): string {
  const [year, number] = month.split('-');
  return `${MONTHS[Number(number) - 1]} ${year?.slice(2)}`;
}

export function MonthChart({ title, points, kind }: { title: string; points: { month: string; value: number | null }[]; kind: 'bar' | 'line' }) {
  const width = 560;
  const height = 180;
  const left = 34;
  const bottom = 24;
  const max = Math.max(1, ...points.map((point) => point.value ?? 0));
  const step = (width - left) / Math.max(1, points.length);
  const y = (value: number) => height - bottom - (value / max) * (height - bottom - 10);
  const linePoints = points
    .map((point, index) => (point.value === null ? null : `${left + step * index + step / 2},${y(point.value)}`))
    .filter(Boolean)
    .join(' ');
  const total = points.reduce((sum, point) => sum + (point.value ?? 0), 0);
  return (
    <figure>
      <svg className="chart" viewBox={`0 0 ${width} ${height}`} role="img" aria-label={t.dashboard.chartSummary(title, total)}>
        <line x1={left} y1={height - bottom} x2={width} y2={height - bottom} stroke="#666" />
        <text x={0} y={14}>
          {max}
        </text>
        <text x={0} y={height - bottom}>
          0
        </text>
        {points.map((point, index) => (
          <g key={point.month}>
            {kind === 'bar' && point.value !== null ? (
              <rect x={left + step * index + 3} y={y(point.value)} width={step - 6} height={height - bottom - y(point.value)} fill="#000091" />
            ) : null}
            <text x={left + step * index + step / 2} y={height - 6} textAnchor="middle">
              {monthLabel(point.month)}
            </text>
          </g>
        ))}
        {kind === 'line' ? <polyline points={linePoints} fill="none" stroke="#000091" strokeWidth={2.5} /> : null}
        {kind === 'line'
          ? points.map((point, index) =>
              point.value === null ? null : <circle key={point.month} cx={left + step * index + step / 2} cy={y(point.value)} r={3.5} fill="#000091" />,
            )
          : null}
      </svg>
      <figcaption className="visually-hidden">
        <table>
          <caption>{title}</caption>
          <tbody>
            {points.map((point) => (
              <tr key={point.month}>
                <th scope="row">{monthLabel(point.month)}</th>
                <td>{point.value ?? t.app.none}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </figcaption>
    </figure>
  );
}

export function Bars({ rows, label }: { rows: { key: string; label: string; count: number; amount?: string; to?: string }[]; label: string }) {
  const max = Math.max(1, ...rows.map((row) => row.count));
  return (
    <div role="list" aria-label={label}>
      {rows.map((row) => (
        <div className="bar-row" role="listitem" key={row.key}>
          <span>{row.label}</span>
          <span className="bar-track" aria-hidden="true">
            <span className="bar" style={{ width: `${(row.count / max) * 100}%` }} />
          </span>
          <span className="num">{row.count}</span>
        </div>
      ))}
    </div>
  );
}

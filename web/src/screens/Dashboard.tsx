import { PageTitle } from '../components/ui.tsx';

export default function Dashboard(_props: Record<string, string>) {
  return <PageTitle>Dashboard</PageTitle>;
}

/* @jsxRuntime automatic @jsxImportSource react */
// (the pragma keeps the JSX transform when petlab runs from a folder without this tsconfig.json)
import { useEffect, useState } from 'react';
import { Workbench, type WorkbenchProps } from './Workbench.js';

/** The workbench at the terminal's size, redrawn when the terminal is resized. */
export function SizedWorkbench({ stdout, ...rest }: Omit<WorkbenchProps, 'columns' | 'rows'> & { stdout: NodeJS.WriteStream }) {
  const read = () => ({ columns: stdout.columns || 80, rows: stdout.rows || 24 });
  const [size, setSize] = useState(read);
  useEffect(() => {
    const onResize = () => setSize(read());
    stdout.on('resize', onResize);
    return () => {
      stdout.off('resize', onResize);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [stdout]);
  return <Workbench {...rest} columns={size.columns} rows={size.rows} />;
}

/** A report section as text and tables, rendered alike by the Markdown and HTML writers. */
export interface Block {
  title: string;
  lines: string[];
  tables: { head: string[]; rows: (string | number)[][] }[];
}

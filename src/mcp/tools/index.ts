import type { ToolDefinition } from '../tool.js';
import { checkReleaseTool } from './check-release.js';
import { fetchTool } from './fetch.js';
import { listSourcesTool } from './list-sources.js';
import { requestAccessTool } from './request-access.js';
import { searchTool } from './search.js';
import { sessionInfoTool } from './session-info.js';

export const TOOLS: readonly ToolDefinition[] = [searchTool, fetchTool, listSourcesTool, requestAccessTool, sessionInfoTool, checkReleaseTool];

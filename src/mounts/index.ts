export {
  planMounts,
  type ExecutionKind,
  type MountPlan,
  type MountRequest,
} from './plan-mounts.js';
export { normaliseMountPath, DEFAULT_MOUNT_PATH, SYSTEM_FOLDERS } from './mount-path.js';

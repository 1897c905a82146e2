// The server's error beside the field it names (api.js leaves an error
// with a field to the entry forms).  A form keeps a reactive map
// from the API's field names ("number", "members[2].id_number") to their
// message and binds each el-form-item's :error to it; an error without a
// field the form shows (or an unknown one) goes to a message instead.
import { reactive } from 'vue';
import { ElMessage } from 'element-plus';

export function useFieldErrors() {
  const errors = reactive({});
  return {
    errors,
    clear() {
      for (const k of Object.keys(errors)) delete errors[k];
    },
    // Shows err: on its field when shown(field) says the form has it,
    // else as a message (unless api.js already showed it).  Returns
    // whether it landed on a field.
    show(err, shown = () => true) {
      if (err?.field && shown(err.field)) {
        errors[err.field] = err.message;
        return true;
      }
      if (!err?.shown) ElMessage.error({ message: err?.message || '操作失败', grouping: true });
      return false;
    },
  };
}


/** Runtime settings: typed, validated key/value pairs that features declare and admins change. */
export { SettingEntry } from './setting.entity';
export {
  defineSetting,
  findSettingDefinition,
  listSettingDefinitions,
  type SettingDefinition,
} from './settings.definition';
export { readSetting, type SettingValue } from './settings.queries';
export { putSetting, resetSetting, type PutSettingProps } from './settings.commands';

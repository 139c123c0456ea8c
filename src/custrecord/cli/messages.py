"""What the command line says, in English and Chinese (``--lang en|zh``).

Every line the commands print goes through :func:`say`, so ``--lang zh`` translates
all of it: labels, summaries, table titles and columns, field names (by their
Chinese headers) and file errors. Problem messages come translated from the
problems themselves.
"""

from __future__ import annotations

from typing import Any

from custrecord.errors import CustrecordError
from custrecord.fields import field_for_column, label

__all__ = [
    "MESSAGES", "CliError", "action_name", "column_name", "dimension_name", "field_name", "say", "value_name",
]

#: Message templates by key: (English, Chinese).
MESSAGES: dict[str, tuple[str, str]] = {
    # validate and import
    "row_problem": ("row {row}: {field}: {code}: {message}", "第{row}行：{field}：{code}：{message}"),
    "file_problem": ("{field}: {code}: {message}", "{field}：{code}：{message}"),
    "rows_summary": (
        "{rows} rows: {valid} valid, {invalid} invalid", "共{rows}行：有效{valid}行，无效{invalid}行"
    ),
    "more_invalid": ("... and {count} more invalid rows", "……另有{count}行无效"),
    "more_invalid_in": ("... and {count} more invalid rows (see {path})", "……另有{count}行无效（见{path}）"),
    "no_rows": ("no rows", "没有数据行"),
    "count_action": ("{count} {action}", "{action}{count}行"),
    "count_would": ("{count} would be {action}", "将{action}{count}行"),
    "errors_written": ("bad rows written to {path}", "无效行已写入{path}"),
    "conflicts": (
        "{count} rows name another company than the stored customer with their tax ID (name_conflict): "
        "{what}; --on-conflict update takes their names, refuse refuses them",
        "{count}行的名称与同税号的已有客户不同（name_conflict）：{what}；"
        "--on-conflict update 采用新名称，refuse 拒绝这些行",
    ),
    "conflicts_kept": ("the stored customers were kept", "已保留原客户"),
    "conflicts_updated": ("the stored customers were updated", "已更新原客户"),
    "conflicts_refused": ("the rows were refused", "这些行被拒绝"),
    # export, template
    "exported": ("{count} customers written to {path}", "已导出{count}个客户到{path}"),
    "exported_masked": (
        "values this user may not see are masked ({fields}); a masked file does not import over real values",
        "当前用户无权查看的值已脱敏（{fields}）；脱敏文件不能覆盖真实数据",
    ),
    "template_written": ("template written to {path}", "导入模板已写入{path}"),
    # backup, restore
    "schema_current": ("schema version {version}, up to date", "数据库结构版本{version}，已是最新"),
    "schema_unchanged": ("schema version {version}, unchanged", "数据库结构版本{version}，未变更"),
    "schema_moved": ("schema version {old} -> {new} ({how})", "数据库结构版本{old} -> {new}（{how}）"),
    "schema_upgraded": ("upgraded", "已升级"),
    "schema_downgraded": ("downgraded", "已降级"),
    "backup_written": ("backup of {what} written to {path}", "已备份{what}到{path}"),
    "restored": ("restored {what} from {path} (written {at} by custrecord {version})",
                 "已从{path}恢复{what}（由custrecord {version}于{at}写出）"),
    "backup_counts": (
        "{customers} customers, {history} history entries, {outbox} outbox events, {sequences} counters, "
        "{reservations} credit reservations, {raises} temporary raises",
        "客户{customers}个、变更历史{history}条、待发事件{outbox}条、编码计数器{sequences}个、"
        "信用占用{reservations}笔、临时额度{raises}笔",
    ),
    # dedupe
    "duplicate_groups": ("{count} duplicate groups", "{count}组疑似重复"),
    "col_left": ("left", "客户一"),
    "col_right": ("right", "客户二"),
    "col_score": ("score", "得分"),
    "col_reasons": ("reasons", "依据"),
    # report
    "report_summary": (
        "{customers} customers; without tax ID {without_tax_id}, without contact {without_contact}, "
        "expired credit {expired_credit}",
        "共{customers}个客户；无税号{without_tax_id}个，无联系人{without_contact}个，信用已过期{expired_credit}个",
    ),
    "by_dimension": ("by {dimension}", "按{dimension}"),
    "col_count": ("count", "数量"),
    "none_value": ("(none)", "（无）"),
    "completeness": ("completeness", "完整度"),
    "groups": ("groups (parent companies)", "集团（上级客户）"),
    "col_group": ("group", "集团"),
    "col_children": ("children", "下级客户"),
    "col_members": ("members", "成员"),
    "col_field": ("field", "字段"),
    "col_filled": ("filled", "已填"),
    "col_share": ("share", "占比"),
    # history
    "history_of": ("history of {code}", "客户{code}的变更历史"),
    "col_version": ("version", "版本"),
    "col_at": ("at", "时间"),
    "col_actor": ("actor", "操作人"),
    "col_action": ("action", "操作"),
    "col_reason": ("reason", "原因"),
    "col_changes": ("changes", "变更"),
    # demo
    "demo": ("custrecord demo", "custrecord 演示"),
    "demo_database": (
        "database: {db} ({state}); sample: {sample}", "数据库：{db}（{state}）；样例：{sample}"
    ),
    "demo_reused": ("reused", "沿用"),
    "demo_new": ("new", "新建"),
    "demo_import": ("1. import with a row-level error report (导入)", "1. 导入，逐行错误报告"),
    "demo_first_problems": (
        "first problems of {count} refused rows (all in {path})",
        "{count}个被拒绝行的前几个问题（全部见{path}）",
    ),
    "col_row": ("row", "行"),
    "col_code": ("code", "代码"),
    "col_message": ("message", "说明"),
    "problems_by_code": ("problems by code", "按代码统计问题"),
    "demo_codes": ("2. customer codes given by the rule {rule} (编码)", "2. 按规则{rule}生成的客户编码"),
    "latest_customers": ("latest customers", "最近的客户"),
    "demo_duplicates": ("3. duplicate candidates (查重)", "3. 疑似重复客户"),
    "demo_sample_groups": (
        "the sample's rows, refused ones too: "
        "{found} of {planted} planted duplicate groups found, {extra} other",
        "样例的全部行（含被拒绝的行）：找到预置的{planted}组重复中的{found}组，另有{extra}组",
    ),
    "demo_stored_groups": ("among the stored customers", "已保存的客户中"),
    "col_rows": ("rows", "行号"),
    "col_names": ("names", "名称"),
    "col_planted": ("planted", "预置"),
    "demo_credit": ("4. credit checks before accepting orders (信用检查)", "4. 接单前的信用检查"),
    "orders": ("orders", "订单"),
    "col_order": ("order", "订单"),
    "col_amount": ("amount", "金额"),
    "col_outcome": ("outcome", "结果"),
    "col_available": ("available", "可用额度"),
    "demo_group": (
        "group {code} (集团): limit {limit} over {members} members, each order under its own limit",
        "集团{code}：集团信用额度{limit}，覆盖{members}个成员，每笔订单都在成员自己的额度内",
    ),
    "demo_report": ("5. summary report (报表)", "5. 汇总报表"),
    "demo_done": (
        "done in {seconds:.1f} s. Try: custrecord report --db {db}; custrecord dedupe --db {db}; "
        "custrecord export out.xlsx --db {db} --headers zh",
        "用时{seconds:.1f}秒。还可以试试：custrecord report --db {db}；custrecord dedupe --db {db}；"
        "custrecord export out.xlsx --db {db} --headers zh",
    ),
    # errors
    "error": ("custrecord {command}: error: {message}", "custrecord {command}：错误：{message}"),
    "storage_error": (
        "custrecord {command}: storage error: {message}", "custrecord {command}：存储错误：{message}"
    ),
    "internal_error": (
        "custrecord {command}: internal error: {message} "
        "(run again with --debug for details, and please report it)",
        "custrecord {command}：内部错误：{message}（加 --debug 重新运行可查看详情，请报告此问题）",
    ),
    "interrupted": (
        "custrecord: interrupted; committed chunks are kept, run the command again to resume",
        "custrecord：已中断；已提交的批次会保留，重新运行命令即可继续",
    ),
    "no_customer": ("no customer {code}", "没有客户{code}"),
    "no_database": (
        "no such database: {path} (commands that only read never create one; import into it first)",
        "数据库不存在：{path}（只读命令不会新建数据库；请先导入数据）",
    ),
    "bad_option": ("{option}: {message}", "{option}：{message}"),
}

_ACTIONS = {
    "added": "新增", "updated": "更新", "unchanged": "未变", "skipped": "跳过", "invalid": "无效",
    "add": "新增", "update": "修改", "merge": "合并", "unmerge": "撤销合并", "erase": "清除",
}
_VALUES = {
    "draft": "草稿", "pending": "待审核", "active": "正常", "frozen": "冻结", "disabled": "停用",
    "deleted": "已删除", "enterprise": "企业", "individual": "个人", "pass": "通过", "warn": "预警",
    "block": "拦截", "customer": "客户", "supplier": "供应商", "registered": "注册", "billing": "开票",
    "shipping": "收货", "other": "其他", "yes": "是", "no": "否",
}
_DIMENSIONS = {"status": "状态", "category": "所属分类", "region": "所属地区", "grade": "信用等级",
               "owner": "专管业务员", "department": "分管部门",
               "role": "往来类型", "currency": "交易币种"}


class CliError(CustrecordError):
    """A usage or file problem the command line reports in the user's language (exit 2)."""

    def __init__(self, key: str, **params: Any) -> None:
        self.key = key
        self.params = params
        super().__init__(say("en", key, **params))

    def message_in(self, lang: str) -> str:
        """The message in ``en`` or ``zh``."""
        return say(lang, self.key, **self.params)


def say(lang: str, key: str, **params: Any) -> str:
    """The message ``key`` in ``lang`` (``en`` or ``zh``) with ``params`` filled in."""
    english, chinese = MESSAGES[key]
    return (chinese if lang == "zh" else english).format(**params)


def field_name(path: str, lang: str) -> str:
    """A field as people call it: its path in English, its Chinese header in Chinese."""
    if not path:
        return "-"
    return label(path, "zh") if lang == "zh" else path


def column_name(column: str, lang: str) -> str:
    """A flat column or report field (``credit_limit``, ``contact``) as people call it in ``lang``."""
    if lang != "zh":
        return column
    if column == "contact":
        return "联系人"
    field = field_for_column(column)
    return field.zh if field is not None else column


def action_name(action: str, lang: str) -> str:
    """An import or history action (``added``, ``update``) in ``lang``."""
    return _ACTIONS.get(action, action) if lang == "zh" else action


def value_name(value: str, lang: str) -> str:
    """A status, kind or credit outcome in ``lang``; other values as they are."""
    return _VALUES.get(value, value) if lang == "zh" else value


def dimension_name(dimension: str, lang: str) -> str:
    """A report dimension (``status``, ``category``...) in ``lang``."""
    return _DIMENSIONS.get(dimension, dimension) if lang == "zh" else dimension

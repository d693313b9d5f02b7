<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>ChatPane</name>
    <message>
        <location filename="../../app/gui/chat/pane.py" line="118"/>
        <source>Chat</source>
        <translation>聊天</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/pane.py" line="209"/>
        <source>Opening history…</source>
        <translation>正在打开历史记录…</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/pane.py" line="296"/>
        <source>You</source>
        <translation>你</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/pane.py" line="298"/>
        <source>System</source>
        <translation>系统</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/pane.py" line="301"/>
        <source>Assistant</source>
        <translation>助手</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/pane.py" line="367"/>
        <source>Stop the reply being written before switching conversations.</source>
        <translation>请先停止正在生成的回复，再切换对话。</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/pane.py" line="396"/>
        <source>{rate:.0f} tokens/s</source>
        <translation>{rate:.0f} 词元/秒</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/pane.py" line="398"/>
        <source>cut off at the max tokens setting</source>
        <translation>已达到最大词元数而截断</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/pane.py" line="429"/>
        <source>Stop the reply being written before deleting its conversation.</source>
        <translation>请先停止正在生成的回复，再删除该对话。</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/pane.py" line="465"/>
        <source>Search failed: {error}</source>
        <translation>搜索失败：{error}</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/pane.py" line="497"/>
        <source>Your message could not be saved: {error}</source>
        <translation>无法保存你的消息：{error}</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/pane.py" line="526"/>
        <source>Your edit could not be saved: {error}</source>
        <translation>无法保存你的修改：{error}</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/pane.py" line="540"/>
        <source>The reply could not be started: {error}</source>
        <translation>无法开始生成回复：{error}</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/pane.py" line="558"/>
        <source>Waiting for the model to load…</source>
        <translation>正在等待模型加载…</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/pane.py" line="589"/>
        <source>Reading the conversation… {percent}%</source>
        <translation>正在读取对话… {percent}%</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/pane.py" line="608"/>
        <location filename="../../app/gui/chat/pane.py" line="669"/>
        <source>The reply could not be saved: {error}</source>
        <translation>无法保存回复：{error}</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/pane.py" line="628"/>
        <source>1 earlier message was left out so the conversation fits the model&apos;s context ({budget} tokens for the prompt). It is marked “Not sent” above.</source>
        <translation>为使对话适应模型的上下文（提示最多 {budget} 个词元），省略了 1 条较早的消息。它在上方标为“未发送”。</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/pane.py" line="632"/>
        <source>{n} earlier messages were left out so the conversation fits the model&apos;s context ({budget} tokens for the prompt). They are marked “Not sent” above.</source>
        <translation>为使对话适应模型的上下文（提示最多 {budget} 个词元），省略了 {n} 条较早的消息。它们在上方标为“未发送”。</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/pane.py" line="674"/>
        <source>The model stopped with an error: {error}</source>
        <translation>模型出错并停止：{error}</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/pane.py" line="709"/>
        <source>Delete messages</source>
        <translation>删除消息</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/pane.py" line="712"/>
        <source>Deleting this message also deletes the message after it. Continue?</source>
        <translation>删除这条消息也会删除其后的 1 条消息。要继续吗？</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/pane.py" line="713"/>
        <source>Deleting this message also deletes the {n} messages after it. Continue?</source>
        <translation>删除这条消息也会删除其后的 {n} 条消息。要继续吗？</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/pane.py" line="731"/>
        <source>Loading the model…</source>
        <translation>正在加载模型…</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/pane.py" line="749"/>
        <source>{tokens} / {limit} tokens</source>
        <translation>{tokens} / {limit} 词元</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/pane.py" line="751"/>
        <source> · full: the oldest turns will be left out</source>
        <translation> · 已满：最早的轮次将被省略</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/pane.py" line="756"/>
        <source>The conversation and your draft take {tokens} tokens. The model reads at most {limit}, of which {reply} are kept for the reply.</source>
        <translation>对话和草稿共占 {tokens} 个词元。模型最多读取 {limit} 个，其中 {reply} 个留给回复。</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/pane.py" line="784"/>
        <source>Settings could not be saved: {error}</source>
        <translation>无法保存设置：{error}</translation>
    </message>
</context>
<context>
    <name>CodeBlock</name>
    <message>
        <location filename="../../app/gui/chat/message_view.py" line="96"/>
        <source>code</source>
        <translation>代码</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/message_view.py" line="101"/>
        <source>Copy code</source>
        <translation>复制代码</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/message_view.py" line="101"/>
        <source>Copy this code block to the clipboard</source>
        <translation>将此代码块复制到剪贴板</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/message_view.py" line="109"/>
        <source>Code</source>
        <translation>代码</translation>
    </message>
</context>
<context>
    <name>Composer</name>
    <message>
        <location filename="../../app/gui/chat/composer.py" line="98"/>
        <source>Conversation settings</source>
        <translation>对话设置</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/composer.py" line="100"/>
        <source>System prompt and sampling settings of this conversation</source>
        <translation>此对话的系统提示和采样设置</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/composer.py" line="107"/>
        <source>Context usage</source>
        <translation>上下文用量</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/composer.py" line="110"/>
        <source>Tokens the conversation and your draft take, against the model&apos;s context window. When it is full, the oldest turns are left out (and shown as such).</source>
        <translation>对话和草稿所占的词元数，与模型的上下文窗口对比。窗口满时，最早的轮次会被省略（并会标出）。</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/composer.py" line="115"/>
        <location filename="../../app/gui/chat/composer.py" line="116"/>
        <source>Stop</source>
        <translation>停止</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/composer.py" line="117"/>
        <source>Stop the reply (Esc); the text so far is kept</source>
        <translation>停止回复（Esc）；已生成的文字会保留</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/composer.py" line="121"/>
        <location filename="../../app/gui/chat/composer.py" line="123"/>
        <source>Send</source>
        <translation>发送</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/composer.py" line="124"/>
        <source>Send the message (Enter)</source>
        <translation>发送消息（Enter）</translation>
    </message>
</context>
<context>
    <name>ConversationPanel</name>
    <message>
        <location filename="../../app/gui/chat/conversations.py" line="111"/>
        <source>Search conversations</source>
        <translation>搜索对话</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/conversations.py" line="112"/>
        <source>Search all messages (Ctrl+F)</source>
        <translation>搜索所有消息（Ctrl+F）</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/conversations.py" line="113"/>
        <source>Find words in every conversation</source>
        <translation>在所有对话中查找文字</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/conversations.py" line="117"/>
        <location filename="../../app/gui/chat/conversations.py" line="213"/>
        <location filename="../../app/gui/chat/conversations.py" line="217"/>
        <source>New conversation</source>
        <translation>新对话</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/conversations.py" line="118"/>
        <source>Start a new conversation (Ctrl+N)</source>
        <translation>开始新对话（Ctrl+N）</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/conversations.py" line="127"/>
        <source>Conversation list</source>
        <translation>对话列表</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/conversations.py" line="128"/>
        <source>Right-click a conversation to rename, pin or delete it</source>
        <translation>右键单击对话可重命名、置顶或删除</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/conversations.py" line="138"/>
        <source>Rename</source>
        <translation>重命名</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/conversations.py" line="142"/>
        <location filename="../../app/gui/chat/conversations.py" line="265"/>
        <source>Pin to top</source>
        <translation>置顶</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/conversations.py" line="144"/>
        <source>Delete</source>
        <translation>删除</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/conversations.py" line="153"/>
        <source>Search results</source>
        <translation>搜索结果</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/conversations.py" line="161"/>
        <source>No messages match.</source>
        <translation>没有匹配的消息。</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/conversations.py" line="175"/>
        <location filename="../../app/gui/chat/conversations.py" line="176"/>
        <source>Undo</source>
        <translation>撤销</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/conversations.py" line="177"/>
        <source>Bring the deleted conversation back</source>
        <translation>恢复已删除的对话</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/conversations.py" line="221"/>
        <source>1 message</source>
        <translation>1 条消息</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/conversations.py" line="222"/>
        <source>{n} messages</source>
        <translation>{n} 条消息</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/conversations.py" line="265"/>
        <source>Unpin</source>
        <translation>取消置顶</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/conversations.py" line="297"/>
        <source>“{title}” deleted.</source>
        <translation>已删除“{title}”。</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/conversations.py" line="297"/>
        <source>Conversation</source>
        <translation>对话</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/conversations.py" line="330"/>
        <source>Untitled</source>
        <translation>无标题</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/conversations.py" line="331"/>
        <source>You</source>
        <translation>你</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/conversations.py" line="331"/>
        <source>Reply</source>
        <translation>回复</translation>
    </message>
</context>
<context>
    <name>ConversationSettingsPanel</name>
    <message>
        <location filename="../../app/gui/chat/settings_panel.py" line="96"/>
        <source>Conversation settings</source>
        <translation>对话设置</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/settings_panel.py" line="104"/>
        <location filename="../../app/gui/chat/settings_panel.py" line="106"/>
        <source>System prompt</source>
        <translation>系统提示</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/settings_panel.py" line="108"/>
        <source>Instructions the model sees before every message of this conversation</source>
        <translation>模型在此对话每条消息之前看到的指示</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/settings_panel.py" line="110"/>
        <source>e.g. You are a concise assistant.</source>
        <translation>例如：你是一个简洁的助手。</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/settings_panel.py" line="141"/>
        <location filename="../../app/gui/chat/settings_panel.py" line="142"/>
        <source>Reset to model defaults</source>
        <translation>恢复模型默认值</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/settings_panel.py" line="144"/>
        <source>Use the catalogue&apos;s recommended values for this model</source>
        <translation>使用模型目录为此模型推荐的值</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/settings_panel.py" line="164"/>
        <source>Temperature</source>
        <translation>温度</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/settings_panel.py" line="165"/>
        <source>Higher is more varied, lower more predictable</source>
        <translation>越高越多样，越低越可预测</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/settings_panel.py" line="173"/>
        <source>Top-p</source>
        <translation>Top-p</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/settings_panel.py" line="174"/>
        <source>Sample only from the most likely tokens that add up to this probability</source>
        <translation>只从累计概率达到此值的最可能词元中采样</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/settings_panel.py" line="182"/>
        <source>Top-k</source>
        <translation>Top-k</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/settings_panel.py" line="183"/>
        <source>Sample only from this many most likely tokens (0 = no limit)</source>
        <translation>只从这么多个最可能的词元中采样（0 = 不限）</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/settings_panel.py" line="191"/>
        <source>Min-p</source>
        <translation>Min-p</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/settings_panel.py" line="192"/>
        <source>Ignore tokens less likely than this fraction of the most likely one</source>
        <translation>忽略概率低于最可能词元此比例的词元</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/settings_panel.py" line="200"/>
        <source>Repeat penalty</source>
        <translation>重复惩罚</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/settings_panel.py" line="201"/>
        <source>Discourage repeating the same words (1 = off)</source>
        <translation>减少重复相同的词语（1 = 关闭）</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/settings_panel.py" line="209"/>
        <source>Max tokens</source>
        <translation>最大词元数</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/settings_panel.py" line="210"/>
        <source>The longest reply, in tokens</source>
        <translation>回复的最大长度（词元）</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/settings_panel.py" line="218"/>
        <source>Context length</source>
        <translation>上下文长度</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/settings_panel.py" line="219"/>
        <source>How many tokens of the conversation to send (at most the loaded context)</source>
        <translation>发送对话的多少个词元（不超过已加载的上下文）</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/settings_panel.py" line="246"/>
        <source>Model: {model}</source>
        <translation>模型：{model}</translation>
    </message>
</context>
<context>
    <name>EngineWorker</name>
    <message>
        <location filename="../../app/gui/engine_worker.py" line="318"/>
        <source>No model is loaded.</source>
        <translation>尚未加载模型。</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../../app/gui/window.py" line="119"/>
        <source>Parley</source>
        <translation>Parley</translation>
    </message>
    <message>
        <location filename="../../app/gui/window.py" line="140"/>
        <source>Chat</source>
        <translation>聊天</translation>
    </message>
    <message>
        <location filename="../../app/gui/window.py" line="142"/>
        <source>Talk with the local model (Ctrl+1)</source>
        <translation>与本地模型对话（Ctrl+1）</translation>
    </message>
    <message>
        <location filename="../../app/gui/window.py" line="147"/>
        <location filename="../../app/gui/window.py" line="152"/>
        <source>Summarise</source>
        <translation>摘要</translation>
    </message>
    <message>
        <location filename="../../app/gui/window.py" line="149"/>
        <source>Summarise a document (Ctrl+2)</source>
        <translation>为文档生成摘要（Ctrl+2）</translation>
    </message>
    <message>
        <location filename="../../app/gui/window.py" line="154"/>
        <source>Paste text or drop a file (PDF, Word, Markdown) and get a summary of the whole document, however long: every part is read, then the parts are combined. Coming in the next release.</source>
        <translation>粘贴文本或拖入文件（PDF、Word、Markdown），获得整篇文档的摘要，无论多长：每个部分都会被阅读，然后合并。将在下一版本推出。</translation>
    </message>
    <message>
        <location filename="../../app/gui/window.py" line="162"/>
        <location filename="../../app/gui/window.py" line="167"/>
        <source>Translate</source>
        <translation>翻译</translation>
    </message>
    <message>
        <location filename="../../app/gui/window.py" line="164"/>
        <source>Translate text or a document (Ctrl+3)</source>
        <translation>翻译文本或文档（Ctrl+3）</translation>
    </message>
    <message>
        <location filename="../../app/gui/window.py" line="169"/>
        <source>Translate text or whole documents with the source beside the translation, keeping paragraphs, lists, headings and code blocks in place. Coming in the next release.</source>
        <translation>翻译文本或整篇文档，原文与译文并排显示，段落、列表、标题和代码块保持原位。将在下一版本推出。</translation>
    </message>
    <message>
        <location filename="../../app/gui/window.py" line="177"/>
        <location filename="../../app/gui/window.py" line="182"/>
        <source>Sentiment</source>
        <translation>情感</translation>
    </message>
    <message>
        <location filename="../../app/gui/window.py" line="179"/>
        <source>Read the sentiment of reviews or messages (Ctrl+4)</source>
        <translation>分析评论或消息的情感（Ctrl+4）</translation>
    </message>
    <message>
        <location filename="../../app/gui/window.py" line="184"/>
        <source>Paste reviews, messages or a CSV column and see whether each is positive, negative or neutral, with the model&apos;s confidence. Coming in the next release.</source>
        <translation>粘贴评论、消息或 CSV 列，查看每条是正面、负面还是中性，以及模型的置信度。将在下一版本推出。</translation>
    </message>
    <message>
        <location filename="../../app/gui/window.py" line="192"/>
        <location filename="../../app/gui/window.py" line="197"/>
        <source>Models</source>
        <translation>模型</translation>
    </message>
    <message>
        <location filename="../../app/gui/window.py" line="194"/>
        <source>Choose, download and manage models (Ctrl+5)</source>
        <translation>选择、下载和管理模型（Ctrl+5）</translation>
    </message>
    <message>
        <location filename="../../app/gui/window.py" line="199"/>
        <source>Browse the curated catalogue, see which models fit this computer, download them with progress and pick one for each tool. Coming in the next release.</source>
        <translation>浏览精选模型目录，查看哪些模型适合这台电脑，带进度下载，并为每个工具选择模型。将在下一版本推出。</translation>
    </message>
    <message>
        <location filename="../../app/gui/window.py" line="243"/>
        <source>Busy</source>
        <translation>忙碌</translation>
    </message>
    <message>
        <location filename="../../app/gui/window.py" line="246"/>
        <source>Activity</source>
        <translation>活动</translation>
    </message>
    <message>
        <location filename="../../app/gui/window.py" line="249"/>
        <source>No model loaded</source>
        <translation>未加载模型</translation>
    </message>
    <message>
        <location filename="../../app/gui/window.py" line="250"/>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <location filename="../../app/gui/window.py" line="251"/>
        <source>The model answering in Chat</source>
        <translation>在聊天中回答的模型</translation>
    </message>
    <message>
        <location filename="../../app/gui/window.py" line="253"/>
        <source>Device</source>
        <translation>设备</translation>
    </message>
    <message>
        <location filename="../../app/gui/window.py" line="255"/>
        <source>Where the model runs, and how many layers are on the GPU</source>
        <translation>模型运行的位置，以及有多少层在 GPU 上</translation>
    </message>
    <message>
        <location filename="../../app/gui/window.py" line="258"/>
        <source>Speed</source>
        <translation>速度</translation>
    </message>
    <message>
        <location filename="../../app/gui/window.py" line="260"/>
        <source>Speed of the last reply and the time until its first token appeared</source>
        <translation>上一条回复的速度，以及出现第一个词元所用的时间</translation>
    </message>
    <message>
        <location filename="../../app/gui/window.py" line="301"/>
        <source>{rate:.0f} tokens/s · first token {ttft:.2f} s</source>
        <translation>{rate:.0f} 词元/秒 · 首个词元 {ttft:.2f} 秒</translation>
    </message>
    <message>
        <location filename="../../app/gui/window.py" line="313"/>
        <source>Finding the model…</source>
        <translation>正在查找模型…</translation>
    </message>
    <message>
        <location filename="../../app/gui/window.py" line="318"/>
        <source>Opening history…</source>
        <translation>正在打开历史记录…</translation>
    </message>
    <message>
        <location filename="../../app/gui/window.py" line="335"/>
        <source>1 reply was cut off when Parley last closed. Its text so far is kept and marked “Interrupted”.</source>
        <translation>Parley 上次关闭时有 1 条回复被中断。已生成的文字已保留，并标为“已中断”。</translation>
    </message>
    <message>
        <location filename="../../app/gui/window.py" line="339"/>
        <source>{n} replies were cut off when Parley last closed. Their text so far is kept and marked “Interrupted”.</source>
        <translation>Parley 上次关闭时有 {n} 条回复被中断。已生成的文字已保留，并标为“已中断”。</translation>
    </message>
    <message>
        <location filename="../../app/gui/window.py" line="351"/>
        <source>The conversation history could not be opened: {error}</source>
        <translation>无法打开对话历史：{error}</translation>
    </message>
    <message>
        <location filename="../../app/gui/window.py" line="360"/>
        <location filename="../../app/gui/window.py" line="375"/>
        <source>History cannot be opened</source>
        <translation>无法打开历史记录</translation>
    </message>
    <message>
        <location filename="../../app/gui/window.py" line="361"/>
        <source>Parley could not open your conversation history.</source>
        <translation>Parley 无法打开你的对话历史。</translation>
    </message>
    <message>
        <location filename="../../app/gui/window.py" line="364"/>
        <source>{reason}

Parley can keep a copy of the damaged file next to it and start with an empty history, or quit so you can restore a backup first.</source>
        <translation>{reason}

Parley 可以在原处保留损坏文件的副本并以空的历史记录开始，或者退出，以便你先恢复备份。</translation>
    </message>
    <message>
        <location filename="../../app/gui/window.py" line="369"/>
        <location filename="../../app/gui/window.py" line="371"/>
        <source>Keep a copy and start fresh</source>
        <translation>保留副本并重新开始</translation>
    </message>
    <message>
        <location filename="../../app/gui/window.py" line="372"/>
        <location filename="../../app/gui/window.py" line="373"/>
        <source>Quit</source>
        <translation>退出</translation>
    </message>
    <message>
        <location filename="../../app/gui/window.py" line="400"/>
        <source>Starting a fresh history…</source>
        <translation>正在创建新的历史记录…</translation>
    </message>
    <message>
        <location filename="../../app/gui/window.py" line="412"/>
        <source>No model</source>
        <translation>无模型</translation>
    </message>
    <message>
        <location filename="../../app/gui/window.py" line="413"/>
        <source>No model could be loaded: {error}</source>
        <translation>无法加载任何模型：{error}</translation>
    </message>
    <message>
        <location filename="../../app/gui/window.py" line="417"/>
        <source>Loading {model}…</source>
        <translation>正在加载 {model}…</translation>
    </message>
    <message>
        <location filename="../../app/gui/window.py" line="425"/>
        <source>{device} · {gpu}/{total} layers on GPU</source>
        <translation>{device} · {gpu}/{total} 层在 GPU 上</translation>
    </message>
    <message>
        <location filename="../../app/gui/window.py" line="429"/>
        <source>{device} · {threads} threads</source>
        <translation>{device} · {threads} 线程</translation>
    </message>
    <message>
        <location filename="../../app/gui/window.py" line="435"/>
        <source>Model ready in {seconds:.1f} s</source>
        <translation>模型已就绪，用时 {seconds:.1f} 秒</translation>
    </message>
    <message>
        <location filename="../../app/gui/window.py" line="441"/>
        <source>Model failed to load</source>
        <translation>模型加载失败</translation>
    </message>
    <message>
        <location filename="../../app/gui/window.py" line="443"/>
        <source>The model could not be loaded: {error}</source>
        <translation>无法加载模型：{error}</translation>
    </message>
</context>
<context>
    <name>MessageCard</name>
    <message>
        <location filename="../../app/gui/chat/message_view.py" line="260"/>
        <source>Message status</source>
        <translation>消息状态</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/message_view.py" line="272"/>
        <source>Previous version</source>
        <translation>上一个版本</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/message_view.py" line="272"/>
        <source>Show the previous version</source>
        <translation>显示上一个版本</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/message_view.py" line="278"/>
        <source>Version</source>
        <translation>版本</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/message_view.py" line="280"/>
        <source>Version {index} of {count}</source>
        <translation>第 {index} 版，共 {count} 版</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/message_view.py" line="283"/>
        <source>Next version</source>
        <translation>下一个版本</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/message_view.py" line="283"/>
        <source>Show the next version</source>
        <translation>显示下一个版本</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/message_view.py" line="295"/>
        <source>Copy</source>
        <translation>复制</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/message_view.py" line="295"/>
        <source>Copy this message to the clipboard</source>
        <translation>将此消息复制到剪贴板</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/message_view.py" line="302"/>
        <source>Edit</source>
        <translation>编辑</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/message_view.py" line="302"/>
        <source>Edit this message and get a new reply</source>
        <translation>编辑此消息并获得新回复</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/message_view.py" line="309"/>
        <source>Regenerate</source>
        <translation>重新生成</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/message_view.py" line="309"/>
        <source>Write this reply again</source>
        <translation>重新写这条回复</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/message_view.py" line="316"/>
        <source>Delete</source>
        <translation>删除</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/message_view.py" line="316"/>
        <source>Delete this message and everything after it</source>
        <translation>删除此消息及其后的所有内容</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/message_view.py" line="322"/>
        <source>Not sent to the model: outside the context window</source>
        <translation>未发送给模型：超出上下文窗口</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/message_view.py" line="337"/>
        <source>Interrupted</source>
        <translation>已中断</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/message_view.py" line="338"/>
        <source>Stopped</source>
        <translation>已停止</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/message_view.py" line="339"/>
        <source>Failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/message_view.py" line="340"/>
        <source>Writing…</source>
        <translation>正在写…</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/message_view.py" line="349"/>
        <source>Parley closed before this reply finished; the text so far was kept.</source>
        <translation>这条回复完成前 Parley 已关闭；已生成的文字已保留。</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/message_view.py" line="351"/>
        <source>You stopped this reply.</source>
        <translation>你停止了这条回复。</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/message_view.py" line="352"/>
        <source>The model failed while writing this reply.</source>
        <translation>模型在写这条回复时出错。</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/message_view.py" line="401"/>
        <source>Edit message</source>
        <translation>编辑消息</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/message_view.py" line="402"/>
        <source>The earlier version is kept; switch back with ‹ ›</source>
        <translation>之前的版本会保留；可用 ‹ › 切换回去</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/message_view.py" line="407"/>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/message_view.py" line="408"/>
        <source>Cancel edit</source>
        <translation>取消编辑</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/message_view.py" line="409"/>
        <location filename="../../app/gui/chat/message_view.py" line="411"/>
        <source>Save and send</source>
        <translation>保存并发送</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/message_view.py" line="412"/>
        <source>Send the edited message as a new version and get a new reply</source>
        <translation>将修改后的消息作为新版本发送并获得新回复</translation>
    </message>
</context>
<context>
    <name>MessageInput</name>
    <message>
        <location filename="../../app/gui/chat/composer.py" line="38"/>
        <source>Message input</source>
        <translation>消息输入框</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/composer.py" line="39"/>
        <source>Type a message. Enter sends, Shift+Enter starts a new line.</source>
        <translation>输入消息。Enter 发送，Shift+Enter 换行。</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/composer.py" line="41"/>
        <source>Message the model… (Enter to send, Shift+Enter for a new line)</source>
        <translation>给模型发消息…（Enter 发送，Shift+Enter 换行）</translation>
    </message>
</context>
<context>
    <name>MessageView</name>
    <message>
        <location filename="../../app/gui/chat/message_view.py" line="447"/>
        <source>Messages</source>
        <translation>消息</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/message_view.py" line="449"/>
        <source>The messages of the open conversation, oldest first</source>
        <translation>当前对话的消息，最早的在前</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/message_view.py" line="467"/>
        <source>Show earlier messages</source>
        <translation>显示更早的消息</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/message_view.py" line="468"/>
        <source>Load older messages of this conversation</source>
        <translation>加载此对话中更早的消息</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/message_view.py" line="475"/>
        <source>Start a conversation</source>
        <translation>开始对话</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/message_view.py" line="480"/>
        <source>Everything stays on this computer. Type below and press Enter to send; Shift+Enter starts a new line.</source>
        <translation>所有内容都留在这台电脑上。在下方输入并按 Enter 发送；Shift+Enter 换行。</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/message_view.py" line="586"/>
        <source>Show 1 earlier message</source>
        <translation>显示 1 条更早的消息</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/message_view.py" line="587"/>
        <source>Show {n} earlier messages</source>
        <translation>显示 {n} 条更早的消息</translation>
    </message>
</context>
<context>
    <name>Notice</name>
    <message>
        <location filename="../../app/gui/chat/pane.py" line="96"/>
        <source>Notice</source>
        <translation>提示</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/pane.py" line="102"/>
        <source>Dismiss notice</source>
        <translation>关闭提示</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/pane.py" line="103"/>
        <source>Hide this notice</source>
        <translation>隐藏此提示</translation>
    </message>
</context>
<context>
    <name>Sidebar</name>
    <message>
        <location filename="../../app/gui/window.py" line="59"/>
        <source>Parley</source>
        <translation>Parley</translation>
    </message>
</context>
</TS>

<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>AboutDialog</name>
    <message>
        <location filename="../../app/gui/about.py" line="64"/>
        <source>Runs the language model</source>
        <translation>运行语言模型</translation>
    </message>
    <message>
        <location filename="../../app/gui/about.py" line="69"/>
        <source>Connects Parley to llama.cpp</source>
        <translation>将 Parley 连接到 llama.cpp</translation>
    </message>
    <message>
        <location filename="../../app/gui/about.py" line="73"/>
        <source>Windows, text and input</source>
        <translation>窗口、文字与输入</translation>
    </message>
    <message>
        <location filename="../../app/gui/about.py" line="78"/>
        <source>Connects Parley to Qt</source>
        <translation>将 Parley 连接到 Qt</translation>
    </message>
    <message>
        <location filename="../../app/gui/about.py" line="81"/>
        <source>Text handling in Qt</source>
        <translation>Qt 中的文本处理</translation>
    </message>
    <message>
        <location filename="../../app/gui/about.py" line="82"/>
        <source>Runs Parley itself</source>
        <translation>运行 Parley 本身</translation>
    </message>
    <message>
        <location filename="../../app/gui/about.py" line="86"/>
        <source>Arrays for the engine</source>
        <translation>引擎使用的数组运算</translation>
    </message>
    <message>
        <location filename="../../app/gui/about.py" line="92"/>
        <source>Model chat templates</source>
        <translation>模型聊天模板</translation>
    </message>
    <message>
        <location filename="../../app/gui/about.py" line="98"/>
        <source>Conversation history</source>
        <translation>对话历史记录</translation>
    </message>
    <message>
        <location filename="../../app/gui/about.py" line="104"/>
        <source>History database upgrades</source>
        <translation>历史数据库升级</translation>
    </message>
    <message>
        <location filename="../../app/gui/about.py" line="110"/>
        <source>Model downloads</source>
        <translation>模型下载</translation>
    </message>
    <message>
        <location filename="../../app/gui/about.py" line="116"/>
        <source>Reading PDF files</source>
        <translation>读取 PDF 文件</translation>
    </message>
    <message>
        <location filename="../../app/gui/about.py" line="122"/>
        <location filename="../../app/gui/about.py" line="128"/>
        <source>Reading Word files</source>
        <translation>读取 Word 文件</translation>
    </message>
    <message>
        <location filename="../../app/gui/about.py" line="134"/>
        <source>Detecting the language of a text</source>
        <translation>识别文本的语言</translation>
    </message>
    <message>
        <location filename="../../app/gui/about.py" line="140"/>
        <source>Where files are kept</source>
        <translation>文件存放位置</translation>
    </message>
    <message>
        <location filename="../../app/gui/about.py" line="146"/>
        <source>Memory and CPU checks</source>
        <translation>内存与 CPU 检测</translation>
    </message>
    <message>
        <location filename="../../app/gui/about.py" line="181"/>
        <location filename="../../app/gui/about.py" line="182"/>
        <source>About Parley</source>
        <translation>关于 Parley</translation>
    </message>
    <message>
        <location filename="../../app/gui/about.py" line="186"/>
        <source>{app} {version}</source>
        <translation>{app} {version}</translation>
    </message>
    <message>
        <location filename="../../app/gui/about.py" line="187"/>
        <source>Application version</source>
        <translation>应用版本</translation>
    </message>
    <message>
        <location filename="../../app/gui/about.py" line="195"/>
        <source>Chat, summarise, translate and read sentiment with a language model that runs on this computer. Nothing you type leaves it.</source>
        <translation>借助在这台电脑上运行的语言模型进行聊天、摘要、翻译和情感分析。你输入的任何内容都不会离开这台电脑。</translation>
    </message>
    <message>
        <location filename="../../app/gui/about.py" line="202"/>
        <source>Engine</source>
        <translation>引擎</translation>
    </message>
    <message>
        <location filename="../../app/gui/about.py" line="205"/>
        <source>Engine version</source>
        <translation>引擎版本</translation>
    </message>
    <message>
        <location filename="../../app/gui/about.py" line="207"/>
        <source>Device in use</source>
        <translation>使用的设备</translation>
    </message>
    <message>
        <location filename="../../app/gui/about.py" line="209"/>
        <source>Loaded model</source>
        <translation>已加载的模型</translation>
    </message>
    <message>
        <location filename="../../app/gui/about.py" line="212"/>
        <source>llama.cpp build</source>
        <translation>llama.cpp 构建信息</translation>
    </message>
    <message>
        <location filename="../../app/gui/about.py" line="214"/>
        <source>llama-cpp-python:</source>
        <translation>llama-cpp-python：</translation>
    </message>
    <message>
        <location filename="../../app/gui/about.py" line="215"/>
        <source>Device:</source>
        <translation>设备：</translation>
    </message>
    <message>
        <location filename="../../app/gui/about.py" line="216"/>
        <source>Model:</source>
        <translation>模型：</translation>
    </message>
    <message>
        <location filename="../../app/gui/about.py" line="217"/>
        <source>llama.cpp build:</source>
        <translation>llama.cpp 构建信息：</translation>
    </message>
    <message>
        <location filename="../../app/gui/about.py" line="220"/>
        <source>Bundled model</source>
        <translation>内置模型</translation>
    </message>
    <message>
        <location filename="../../app/gui/about.py" line="224"/>
        <source>Bundled model licence</source>
        <translation>内置模型许可证</translation>
    </message>
    <message>
        <location filename="../../app/gui/about.py" line="228"/>
        <source>Software in Parley</source>
        <translation>Parley 使用的软件</translation>
    </message>
    <message>
        <location filename="../../app/gui/about.py" line="231"/>
        <source>Licences</source>
        <translation>许可证</translation>
    </message>
    <message>
        <location filename="../../app/gui/about.py" line="233"/>
        <source>Component</source>
        <translation>组件</translation>
    </message>
    <message>
        <location filename="../../app/gui/about.py" line="233"/>
        <source>Version</source>
        <translation>版本</translation>
    </message>
    <message>
        <location filename="../../app/gui/about.py" line="233"/>
        <source>Licence</source>
        <translation>许可证</translation>
    </message>
    <message>
        <location filename="../../app/gui/about.py" line="233"/>
        <source>Used for</source>
        <translation>用途</translation>
    </message>
    <message>
        <location filename="../../app/gui/about.py" line="253"/>
        <source>Each component&apos;s licence text is installed with Parley. Qt is used under the LGPL: its libraries are separate files that you may replace.</source>
        <translation>每个组件的许可证文本都随 Parley 一起安装。Qt 依据 LGPL 许可使用：它的库是独立的文件，你可以自行替换。</translation>
    </message>
    <message>
        <location filename="../../app/gui/about.py" line="262"/>
        <location filename="../../app/gui/about.py" line="263"/>
        <source>Copy details</source>
        <translation>复制详细信息</translation>
    </message>
    <message>
        <location filename="../../app/gui/about.py" line="264"/>
        <source>Copy the version and engine details for a bug report</source>
        <translation>复制版本和引擎信息，用于报告问题</translation>
    </message>
    <message>
        <location filename="../../app/gui/about.py" line="278"/>
        <source>The model catalogue could not be read: {error}</source>
        <translation>无法读取模型目录：{error}</translation>
    </message>
    <message>
        <location filename="../../app/gui/about.py" line="279"/>
        <source>{name}, licence {licence}, from {repo}.</source>
        <translation>{name}，许可证 {licence}，来自 {repo}。</translation>
    </message>
    <message>
        <location filename="../../app/gui/about.py" line="286"/>
        <source>not known until a model is loaded</source>
        <translation>加载模型后才能得知</translation>
    </message>
    <message>
        <location filename="../../app/gui/about.py" line="289"/>
        <source>none loaded</source>
        <translation>未加载</translation>
    </message>
    <message>
        <location filename="../../app/gui/about.py" line="290"/>
        <source>Load a model to see how llama.cpp was built.</source>
        <translation>加载模型后即可查看 llama.cpp 的构建方式。</translation>
    </message>
    <message>
        <location filename="../../app/gui/about.py" line="292"/>
        <source>unknown</source>
        <translation>未知</translation>
    </message>
    <message>
        <location filename="../../app/gui/about.py" line="294"/>
        <source>{device}, {gpu} of {total} layers on the GPU</source>
        <translation>{device}，{total} 层中有 {gpu} 层在 GPU 上</translation>
    </message>
    <message>
        <location filename="../../app/gui/about.py" line="298"/>
        <source>{device}, {threads} threads</source>
        <translation>{device}，{threads} 个线程</translation>
    </message>
    <message>
        <location filename="../../app/gui/about.py" line="303"/>
        <source>not reported</source>
        <translation>未报告</translation>
    </message>
</context>
<context>
    <name>AttachmentBar</name>
    <message>
        <location filename="../../app/gui/chat/attach.py" line="144"/>
        <source>Attachments</source>
        <translation>附件</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/attach.py" line="226"/>
        <source>Reading {name}…</source>
        <translation>正在读取 {name}…</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/attach.py" line="234"/>
        <source>The file was not attached. {reason}</source>
        <translation>文件未附加。{reason}</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/attach.py" line="239"/>
        <source>{name} could not be read, so it was not attached: {error}</source>
        <translation>无法读取 {name}，因此未附加：{error}</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/attach.py" line="273"/>
        <source>{name} — {chars} characters</source>
        <translation>{name} — {chars} 个字符</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/attach.py" line="291"/>
        <source>{name} is {tokens} tokens, more than the {budget} this conversation can send to the model, so it does not fit the context window. Remove it and attach a shorter part, raise the context length in the conversation settings, or summarise the document first (Summarise).</source>
        <translation>{name} 有 {tokens} 个词元，超过此对话能发送给模型的 {budget} 个，放不进上下文窗口。请移除它并附加较短的部分，或在对话设置中提高上下文长度，或先对文档做摘要（“摘要”）。</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/attach.py" line="307"/>
        <source>Attach a document</source>
        <translation>附加文档</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/attach.py" line="309"/>
        <source>Documents (*.txt *.md *.markdown *.html *.htm *.pdf *.docx);;All files (*)</source>
        <translation>文档 (*.txt *.md *.markdown *.html *.htm *.pdf *.docx);;所有文件 (*)</translation>
    </message>
</context>
<context>
    <name>AttachmentChip</name>
    <message>
        <location filename="../../app/gui/chat/attach.py" line="94"/>
        <source>Attached file</source>
        <translation>已附加的文件</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/attach.py" line="99"/>
        <source>Attachment</source>
        <translation>附件</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/attach.py" line="104"/>
        <source>Remove attachment</source>
        <translation>移除附件</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/attach.py" line="106"/>
        <source>Take {name} out of the message</source>
        <translation>从消息中移除 {name}</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/attach.py" line="124"/>
        <source>{name} — reading…</source>
        <translation>{name} — 正在读取…</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/attach.py" line="126"/>
        <source>{name} — counting tokens…</source>
        <translation>{name} — 正在统计词元…</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/attach.py" line="128"/>
        <source>{name} — {tokens} tokens</source>
        <translation>{name} — {tokens} 个词元</translation>
    </message>
</context>
<context>
    <name>ChatPane</name>
    <message>
        <location filename="../../app/gui/chat/pane.py" line="59"/>
        <source>Chat</source>
        <translation>聊天</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/pane.py" line="147"/>
        <source>Opening history…</source>
        <translation>正在打开历史记录…</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/pane.py" line="243"/>
        <source>You</source>
        <translation>你</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/pane.py" line="245"/>
        <source>System</source>
        <translation>系统</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/pane.py" line="248"/>
        <source>Assistant</source>
        <translation>助手</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/pane.py" line="278"/>
        <source>Stop the reply being written before switching conversations.</source>
        <translation>请先停止正在生成的回复，再切换对话。</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/navigate.py" line="56"/>
        <source>Stop the reply being written before switching branches.</source>
        <translation>请先停止正在生成的回复，再切换分支。</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/navigate.py" line="66"/>
        <source>That message no longer exists.</source>
        <translation>该消息已不存在。</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/navigate.py" line="90"/>
        <source>{rate:.0f} tokens/s</source>
        <translation>{rate:.0f} 词元/秒</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/navigate.py" line="95"/>
        <source>cut off at the max tokens setting</source>
        <translation>已达到最大词元数而截断</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/pane.py" line="340"/>
        <source>Stop the reply being written before deleting its conversation.</source>
        <translation>请先停止正在生成的回复，再删除该对话。</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/pane.py" line="367"/>
        <source>Opening the history; your message is sent in a moment…</source>
        <translation>正在打开历史记录；你的消息稍后就会发送…</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/conversations.py" line="394"/>
        <source>Search failed: {error}</source>
        <translation>搜索失败：{error}</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/pane.py" line="388"/>
        <source>Your message could not be saved: {error}</source>
        <translation>无法保存你的消息：{error}</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/pane.py" line="419"/>
        <source>Your edit could not be saved: {error}</source>
        <translation>无法保存你的修改：{error}</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/pane.py" line="433"/>
        <source>The reply could not be started: {error}</source>
        <translation>无法开始生成回复：{error}</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/pane.py" line="454"/>
        <source>Waiting for the model to load…</source>
        <translation>正在等待模型加载…</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/reply.py" line="170"/>
        <source>Reading the conversation… {percent}%</source>
        <translation>正在读取对话… {percent}%</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/reply.py" line="192"/>
        <location filename="../../app/gui/chat/reply.py" line="274"/>
        <source>The reply could not be saved: {error}</source>
        <translation>无法保存回复：{error}</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/reply.py" line="224"/>
        <source>1 earlier message was left out so the conversation fits the model&apos;s context ({budget} tokens for the prompt). It is marked “Not sent” above.</source>
        <translation>为使对话适应模型的上下文（提示最多 {budget} 个词元），省略了 1 条较早的消息。它在上方标为“未发送”。</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/reply.py" line="229"/>
        <source>{n} earlier messages were left out so the conversation fits the model&apos;s context ({budget} tokens for the prompt). They are marked “Not sent” above.</source>
        <translation>为使对话适应模型的上下文（提示最多 {budget} 个词元），省略了 {n} 条较早的消息。它们在上方标为“未发送”。</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/reply.py" line="286"/>
        <source>Reply stopped. {text}</source>
        <translation>回复已停止。{text}</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/reply.py" line="290"/>
        <source>The reply failed: {error}</source>
        <translation>回复失败：{error}</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/pane.py" line="475"/>
        <source>The model stopped with an error: {error}</source>
        <translation>模型出错并停止：{error}</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/pane.py" line="510"/>
        <source>Delete messages</source>
        <translation>删除消息</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/pane.py" line="513"/>
        <source>Deleting this message also deletes the message after it. Continue?</source>
        <translation>删除这条消息也会删除其后的 1 条消息。要继续吗？</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/pane.py" line="514"/>
        <source>Deleting this message also deletes the {n} messages after it. Continue?</source>
        <translation>删除这条消息也会删除其后的 {n} 条消息。要继续吗？</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/pane.py" line="533"/>
        <source>Loading the model…</source>
        <translation>正在加载模型…</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/meter.py" line="96"/>
        <source>{tokens} / {limit} tokens</source>
        <translation>{tokens} / {limit} 词元</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/meter.py" line="100"/>
        <source> · full: the oldest turns will be left out</source>
        <translation> · 已满：最早的轮次将被省略</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/meter.py" line="106"/>
        <source>The conversation and your draft take {tokens} tokens. The model reads at most {limit}, of which {reply} are kept for the reply.</source>
        <translation>对话和草稿共占 {tokens} 个词元。模型最多读取 {limit} 个，其中 {reply} 个留给回复。</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/pane.py" line="571"/>
        <source>Settings could not be saved: {error}</source>
        <translation>无法保存设置：{error}</translation>
    </message>
</context>
<context>
    <name>CodeBlock</name>
    <message>
        <location filename="../../app/gui/chat/message_card.py" line="98"/>
        <source>code</source>
        <translation>代码</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/message_card.py" line="103"/>
        <source>Copy code</source>
        <translation>复制代码</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/message_card.py" line="103"/>
        <source>Copy this code block to the clipboard</source>
        <translation>将此代码块复制到剪贴板</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/message_card.py" line="111"/>
        <source>Code</source>
        <translation>代码</translation>
    </message>
</context>
<context>
    <name>Composer</name>
    <message>
        <location filename="../../app/gui/chat/composer.py" line="127"/>
        <source>Attach a file</source>
        <translation>附加文件</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/composer.py" line="130"/>
        <source>Put a text, Markdown, HTML, PDF or Word document&apos;s text in the message (or drop the file here)</source>
        <translation>将文本、Markdown、HTML、PDF 或 Word 文档的文字放入消息（也可以把文件拖到这里）</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/composer.py" line="139"/>
        <source>Conversation settings</source>
        <translation>对话设置</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/composer.py" line="141"/>
        <source>System prompt and sampling settings of this conversation</source>
        <translation>此对话的系统提示和采样设置</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/composer.py" line="148"/>
        <source>Context usage</source>
        <translation>上下文用量</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/composer.py" line="151"/>
        <source>Tokens the conversation and your draft take, against the model&apos;s context window. When it is full, the oldest turns are left out (and shown as such).</source>
        <translation>对话和草稿所占的词元数，与模型的上下文窗口对比。窗口满时，最早的轮次会被省略（并会标出）。</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/composer.py" line="156"/>
        <location filename="../../app/gui/chat/composer.py" line="157"/>
        <source>Stop</source>
        <translation>停止</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/composer.py" line="158"/>
        <source>Stop the reply (Esc); the text so far is kept</source>
        <translation>停止回复（Esc）；已生成的文字会保留</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/composer.py" line="162"/>
        <location filename="../../app/gui/chat/composer.py" line="164"/>
        <source>Send</source>
        <translation>发送</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/composer.py" line="165"/>
        <source>Send the message (Enter)</source>
        <translation>发送消息（Enter）</translation>
    </message>
</context>
<context>
    <name>Confidence</name>
    <message>
        <location filename="../../app/gui/chat/confidence.py" line="65"/>
        <source>&lt;b&gt;{token}&lt;/b&gt; — {percent} likely</source>
        <translation>&lt;b&gt;{token}&lt;/b&gt; — 可能性 {percent}</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/confidence.py" line="71"/>
        <source>Alternatives:</source>
        <translation>其他候选：</translation>
    </message>
</context>
<context>
    <name>ConfidenceText</name>
    <message>
        <location filename="../../app/gui/chat/confidence.py" line="116"/>
        <source>Reply coloured by confidence</source>
        <translation>按置信度着色的回复</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/confidence.py" line="118"/>
        <source>Green: the model was sure of this token; red: it was not. Hover a token.</source>
        <translation>绿色：模型对这个词元很有把握；红色：把握不大。将鼠标悬停在词元上查看详情。</translation>
    </message>
</context>
<context>
    <name>ConversationExporter</name>
    <message>
        <location filename="../../app/gui/chat/export.py" line="89"/>
        <source>Open a conversation to export it.</source>
        <translation>请先打开一个对话再导出。</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/export.py" line="101"/>
        <source>New conversation</source>
        <translation>新对话</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/export.py" line="103"/>
        <source>Export “{title}” as JSON</source>
        <translation>将“{title}”导出为 JSON</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/export.py" line="104"/>
        <source>JSON (*.json);;All files (*)</source>
        <translation>JSON (*.json);;所有文件 (*)</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/export.py" line="106"/>
        <source>Export “{title}” as Markdown</source>
        <translation>将“{title}”导出为 Markdown</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/export.py" line="107"/>
        <source>Markdown (*.md);;All files (*)</source>
        <translation>Markdown (*.md);;所有文件 (*)</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/export.py" line="128"/>
        <source>Exported “{title}” to {name}</source>
        <translation>已将“{title}”导出到 {name}</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/export.py" line="131"/>
        <source>Exporting “{title}”…</source>
        <translation>正在导出“{title}”…</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/export.py" line="141"/>
        <source>“{title}” could not be exported to {name}: {reason}</source>
        <translation>无法将“{title}”导出到 {name}：{reason}</translation>
    </message>
</context>
<context>
    <name>ConversationPanel</name>
    <message>
        <location filename="../../app/gui/chat/conversations.py" line="141"/>
        <source>Search conversations</source>
        <translation>搜索对话</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/conversations.py" line="142"/>
        <source>Search all messages (Ctrl+F)</source>
        <translation>搜索所有消息（Ctrl+F）</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/conversations.py" line="143"/>
        <source>Find words in every conversation</source>
        <translation>在所有对话中查找文字</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/conversations.py" line="147"/>
        <location filename="../../app/gui/chat/conversations.py" line="267"/>
        <location filename="../../app/gui/chat/conversations.py" line="271"/>
        <source>New conversation</source>
        <translation>新对话</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/conversations.py" line="148"/>
        <source>Start a new conversation (Ctrl+N)</source>
        <translation>开始新对话（Ctrl+N）</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/conversations.py" line="157"/>
        <source>Conversation list</source>
        <translation>对话列表</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/conversations.py" line="159"/>
        <source>Right-click a conversation to rename, pin, export or delete it</source>
        <translation>右键单击对话可重命名、置顶、导出或删除</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/conversations.py" line="170"/>
        <source>Rename</source>
        <translation>重命名</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/conversations.py" line="174"/>
        <location filename="../../app/gui/chat/conversations.py" line="319"/>
        <source>Pin to top</source>
        <translation>置顶</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/conversations.py" line="176"/>
        <source>Delete</source>
        <translation>删除</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/conversations.py" line="180"/>
        <source>Export as Markdown…</source>
        <translation>导出为 Markdown…</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/conversations.py" line="181"/>
        <source>Save this conversation to read or share</source>
        <translation>保存此对话，以便阅读或分享</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/conversations.py" line="183"/>
        <source>Export as JSON…</source>
        <translation>导出为 JSON…</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/conversations.py" line="185"/>
        <source>Save this conversation with every branch, to import it again</source>
        <translation>保存此对话及其所有分支，以便再次导入</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/conversations.py" line="209"/>
        <source>Search results</source>
        <translation>搜索结果</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/conversations.py" line="217"/>
        <source>No messages match.</source>
        <translation>没有匹配的消息。</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/conversations.py" line="231"/>
        <location filename="../../app/gui/chat/conversations.py" line="232"/>
        <source>Undo</source>
        <translation>撤销</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/conversations.py" line="233"/>
        <source>Bring the deleted conversation back</source>
        <translation>恢复已删除的对话</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/conversations.py" line="275"/>
        <source>1 message</source>
        <translation>1 条消息</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/conversations.py" line="276"/>
        <source>{n} messages</source>
        <translation>{n} 条消息</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/conversations.py" line="319"/>
        <source>Unpin</source>
        <translation>取消置顶</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/conversations.py" line="356"/>
        <source>“{title}” deleted.</source>
        <translation>已删除“{title}”。</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/conversations.py" line="356"/>
        <source>Conversation</source>
        <translation>对话</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/conversations.py" line="411"/>
        <source>Untitled</source>
        <translation>无标题</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/conversations.py" line="412"/>
        <source>You</source>
        <translation>你</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/conversations.py" line="412"/>
        <source>Reply</source>
        <translation>回复</translation>
    </message>
</context>
<context>
    <name>ConversationSettingsPanel</name>
    <message>
        <location filename="../../app/gui/chat/settings_panel.py" line="71"/>
        <source>Conversation settings</source>
        <translation>对话设置</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/settings_panel.py" line="79"/>
        <location filename="../../app/gui/chat/settings_panel.py" line="81"/>
        <source>System prompt</source>
        <translation>系统提示</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/settings_panel.py" line="83"/>
        <source>Instructions the model sees before every message of this conversation</source>
        <translation>模型在此对话每条消息之前看到的指示</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/settings_panel.py" line="85"/>
        <source>e.g. You are a concise assistant.</source>
        <translation>例如：你是一个简洁的助手。</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/settings_panel.py" line="116"/>
        <location filename="../../app/gui/chat/settings_panel.py" line="117"/>
        <source>Think before answering</source>
        <translation>回答前先思考</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/settings_panel.py" line="125"/>
        <location filename="../../app/gui/chat/settings_panel.py" line="126"/>
        <source>Reset to model defaults</source>
        <translation>恢复模型默认值</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/settings_panel.py" line="128"/>
        <source>Use the catalogue&apos;s recommended values for this model</source>
        <translation>使用模型目录为此模型推荐的值</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/settings_panel.py" line="148"/>
        <source>Temperature</source>
        <translation>温度</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/settings_panel.py" line="149"/>
        <source>Higher is more varied, lower more predictable</source>
        <translation>越高越多样，越低越可预测</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/settings_panel.py" line="156"/>
        <source>Top-p</source>
        <translation>Top-p</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/settings_panel.py" line="157"/>
        <source>Sample only from the most likely tokens that add up to this probability</source>
        <translation>只从累计概率达到此值的最可能词元中采样</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/settings_panel.py" line="164"/>
        <source>Top-k</source>
        <translation>Top-k</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/settings_panel.py" line="165"/>
        <source>Sample only from this many most likely tokens (0 = no limit)</source>
        <translation>只从这么多个最可能的词元中采样（0 = 不限）</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/settings_panel.py" line="172"/>
        <source>Min-p</source>
        <translation>Min-p</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/settings_panel.py" line="173"/>
        <source>Ignore tokens less likely than this fraction of the most likely one</source>
        <translation>忽略概率低于最可能词元此比例的词元</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/settings_panel.py" line="180"/>
        <source>Repeat penalty</source>
        <translation>重复惩罚</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/settings_panel.py" line="181"/>
        <source>Discourage repeating the same words (1 = off)</source>
        <translation>减少重复相同的词语（1 = 关闭）</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/settings_panel.py" line="188"/>
        <source>Max tokens</source>
        <translation>最大词元数</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/settings_panel.py" line="189"/>
        <source>The longest reply, in tokens</source>
        <translation>回复的最大长度（词元）</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/settings_panel.py" line="196"/>
        <source>Context length</source>
        <translation>上下文长度</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/settings_panel.py" line="197"/>
        <source>How many tokens of the conversation to send (at most the loaded context)</source>
        <translation>发送对话的多少个词元（不超过已加载的上下文）</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/settings_panel.py" line="229"/>
        <source>Model: {model}</source>
        <translation>模型：{model}</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/settings_panel.py" line="247"/>
        <source>The model writes out its reasoning before it answers: better answers to hard questions, slower replies</source>
        <translation>模型在回答前先写出推理过程：难题答得更好，但回复更慢</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/settings_panel.py" line="251"/>
        <source>Its thinking is shown collapsed above each answer.</source>
        <translation>它的思考过程折叠显示在每个回答上方。</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/settings_panel.py" line="253"/>
        <source>This model always thinks before it answers</source>
        <translation>此模型总是先思考再回答</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/settings_panel.py" line="254"/>
        <source>This model always thinks; it cannot be turned off.</source>
        <translation>此模型总会思考，无法关闭。</translation>
    </message>
</context>
<context>
    <name>DocumentCard</name>
    <message>
        <location filename="../../app/gui/tools/document.py" line="89"/>
        <source>Loaded document</source>
        <translation>已加载的文档</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/document.py" line="100"/>
        <source>Document name</source>
        <translation>文档名称</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/document.py" line="104"/>
        <source>Document details</source>
        <translation>文档详细信息</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/document.py" line="109"/>
        <source>Remove</source>
        <translation>移除</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/document.py" line="110"/>
        <source>Remove document</source>
        <translation>移除文档</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/document.py" line="111"/>
        <source>Remove this document and type or paste text instead</source>
        <translation>移除此文档，改为输入或粘贴文本</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/document.py" line="119"/>
        <source>Document preview</source>
        <translation>文档预览</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/document.py" line="134"/>
        <source>{chars} characters · {size}{detail}</source>
        <translation>{chars} 个字符 · {size}{detail}</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/document.py" line="142"/>
        <source>{words} words · {chars} characters · {size}{detail}</source>
        <translation>{words} 词 · {chars} 个字符 · {size}{detail}</translation>
    </message>
</context>
<context>
    <name>DocumentInput</name>
    <message>
        <location filename="../../app/gui/tools/document.py" line="177"/>
        <source>Document</source>
        <translation>文档</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/document.py" line="183"/>
        <source>Document status</source>
        <translation>文档状态</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/document.py" line="185"/>
        <source>Open…</source>
        <translation>打开…</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/document.py" line="186"/>
        <source>Open file</source>
        <translation>打开文件</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/document.py" line="188"/>
        <source>Open a text, Markdown, HTML, PDF or Word document (Ctrl+O)</source>
        <translation>打开文本、Markdown、HTML、PDF 或 Word 文档（Ctrl+O）</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/document.py" line="197"/>
        <source>Document input</source>
        <translation>文档输入</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/document.py" line="198"/>
        <source>Type or paste text here, or drop a file</source>
        <translation>在此输入或粘贴文本，或拖入文件</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/document.py" line="202"/>
        <source>Pasted text</source>
        <translation>粘贴的文本</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/document.py" line="235"/>
        <source>Saved document</source>
        <translation>已保存的文档</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/document.py" line="251"/>
        <source>Open a document</source>
        <translation>打开文档</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/document.py" line="253"/>
        <source>Documents (*.txt *.md *.markdown *.html *.htm *.pdf *.docx);;All files (*)</source>
        <translation>文档 (*.txt *.md *.markdown *.html *.htm *.pdf *.docx);;所有文件 (*)</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/document.py" line="265"/>
        <source>Drop one document at a time; {name} was opened.</source>
        <translation>一次只能拖入一个文档；已打开 {name}。</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/document.py" line="275"/>
        <location filename="../../app/gui/tools/document.py" line="279"/>
        <source>Reading {name}…</source>
        <translation>正在读取 {name}…</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/document.py" line="290"/>
        <source>The pasted text is too large: {size}, and Parley works on at most {mb} MB at a time. Split the document and work on it in parts.</source>
        <translation>粘贴的文本太大：{size}，而 Parley 一次最多处理 {mb} MB。请将文档拆分后分批处理。</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/document.py" line="306"/>
        <source>Checking the pasted text…</source>
        <translation>正在检查粘贴的文本…</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/document.py" line="323"/>
        <source>1 page</source>
        <translation>1 页</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/document.py" line="323"/>
        <source>{n} pages</source>
        <translation>{n} 页</translation>
    </message>
</context>
<context>
    <name>DownloadRow</name>
    <message>
        <location filename="../../app/gui/models/downloads.py" line="34"/>
        <source>Download of {name}</source>
        <translation>{name} 的下载</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/downloads.py" line="42"/>
        <location filename="../../app/gui/models/downloads.py" line="43"/>
        <location filename="../../app/gui/models/downloads.py" line="74"/>
        <source>Pause</source>
        <translation>暂停</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/downloads.py" line="45"/>
        <location filename="../../app/gui/models/downloads.py" line="79"/>
        <source>Stop for now; the part already downloaded is kept and continues later</source>
        <translation>暂时停止；已下载的部分会保留，稍后继续</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/downloads.py" line="48"/>
        <location filename="../../app/gui/models/downloads.py" line="49"/>
        <source>Cancel download</source>
        <translation>取消下载</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/downloads.py" line="50"/>
        <source>Stop and delete the part downloaded so far</source>
        <translation>停止并删除已下载的部分</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/downloads.py" line="57"/>
        <source>Download progress</source>
        <translation>下载进度</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/downloads.py" line="62"/>
        <source>Download status</source>
        <translation>下载状态</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/downloads.py" line="74"/>
        <source>Resume</source>
        <translation>继续</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/downloads.py" line="77"/>
        <source>Continue from where it stopped</source>
        <translation>从中断处继续下载</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/downloads.py" line="90"/>
        <source>Waiting for the download before it</source>
        <translation>正在等待前一个下载完成</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/downloads.py" line="94"/>
        <source>Cancelled; the partial file was deleted</source>
        <translation>已取消；部分下载的文件已删除</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/downloads.py" line="98"/>
        <source>Downloaded and verified, but the engine could not load it: {error}</source>
        <translation>已下载并校验，但引擎无法加载它：{error}</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/downloads.py" line="100"/>
        <source>Downloaded, verified and tested ({size})</source>
        <translation>已下载、校验并测试（{size}）</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/downloads.py" line="104"/>
        <source>Starting…</source>
        <translation>正在开始…</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/downloads.py" line="105"/>
        <source>{done} of {total}</source>
        <translation>{done} / {total}</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/downloads.py" line="109"/>
        <source>Paused at {figures}</source>
        <translation>已暂停于 {figures}</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/downloads.py" line="111"/>
        <source>Asking the hub for the file…</source>
        <translation>正在向模型仓库请求文件…</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/downloads.py" line="113"/>
        <source>Checking the part downloaded before: {figures}</source>
        <translation>正在检查之前下载的部分：{figures}</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/downloads.py" line="115"/>
        <source>Verifying the checksum…</source>
        <translation>正在校验文件…</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/downloads.py" line="117"/>
        <source>Loading the model once to test it…</source>
        <translation>正在试加载模型以进行测试…</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/downloads.py" line="118"/>
        <source>{rate}/s</source>
        <translation>{rate}/秒</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/downloads.py" line="120"/>
        <source>{figures} · {speed} · {left} left</source>
        <translation>{figures} · {speed} · 剩余 {left}</translation>
    </message>
</context>
<context>
    <name>EngineWorker</name>
    <message>
        <location filename="../../app/gui/engine_worker.py" line="401"/>
        <source>The engine could not be started.</source>
        <translation>无法启动推理引擎。</translation>
    </message>
    <message>
        <location filename="../../app/gui/engine_worker.py" line="472"/>
        <source>No model is loaded.</source>
        <translation>尚未加载模型。</translation>
    </message>
</context>
<context>
    <name>EvaluateDialog</name>
    <message>
        <location filename="../../app/gui/models/evaluate.py" line="122"/>
        <location filename="../../app/gui/models/evaluate.py" line="123"/>
        <source>Evaluate models on your text</source>
        <translation>用你的文本评估模型</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/evaluate.py" line="141"/>
        <source>Perplexity says how well a model predicts your text: lower is better. It compares quantizations of one model directly; models of different families split text into different tokens, so compare those by bits per character. It does not measure how well a model follows instructions or tells the truth.</source>
        <translation>困惑度表示模型预测你的文本的能力：越低越好。同一模型的不同量化版本可直接比较；不同系列的模型切分词元的方式不同，应按每字符比特数比较。它不衡量模型遵循指令的能力，也不衡量其是否说真话。</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/evaluate.py" line="152"/>
        <source>Models</source>
        <translation>模型</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/evaluate.py" line="155"/>
        <source>Models to evaluate</source>
        <translation>要评估的模型</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/evaluate.py" line="156"/>
        <source>Tick the installed models to compare</source>
        <translation>勾选要比较的已安装模型</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/evaluate.py" line="173"/>
        <source>Text</source>
        <translation>文本</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/evaluate.py" line="178"/>
        <source>No document chosen</source>
        <translation>未选择文档</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/evaluate.py" line="179"/>
        <source>Document</source>
        <translation>文档</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/evaluate.py" line="181"/>
        <source>Choose document…</source>
        <translation>选择文档…</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/evaluate.py" line="182"/>
        <source>Choose document</source>
        <translation>选择文档</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/evaluate.py" line="183"/>
        <source>A text, Markdown, HTML, PDF or Word document</source>
        <translation>文本、Markdown、HTML、PDF 或 Word 文档</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/evaluate.py" line="188"/>
        <source>Text to evaluate</source>
        <translation>要评估的文本</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/evaluate.py" line="189"/>
        <source>…or paste the text here</source>
        <translation>…或在此粘贴文本</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/evaluate.py" line="193"/>
        <source>Window</source>
        <translation>窗口</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/evaluate.py" line="199"/>
        <source> tokens</source>
        <translation> 个词元</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/evaluate.py" line="200"/>
        <source>Window size</source>
        <translation>窗口大小</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/evaluate.py" line="203"/>
        <source>Tokens per window; the second half of each window is scored. 512 is what llama.cpp&apos;s llama-perplexity uses by default. Results with different windows do not compare.</source>
        <translation>每个窗口的词元数；只对每个窗口的后半部分计分。llama.cpp 的 llama-perplexity 默认使用 512。不同窗口大小的结果不可比较。</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/evaluate.py" line="222"/>
        <source>Evaluation status</source>
        <translation>评估状态</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/evaluate.py" line="226"/>
        <source>Evaluation progress</source>
        <translation>评估进度</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/evaluate.py" line="229"/>
        <source>Run</source>
        <translation>运行</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/evaluate.py" line="231"/>
        <source>Run evaluation</source>
        <translation>运行评估</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/evaluate.py" line="232"/>
        <source>Measure each ticked model on the text, in turn</source>
        <translation>依次用该文本测量每个勾选的模型</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/evaluate.py" line="235"/>
        <source>Stop</source>
        <translation>停止</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/evaluate.py" line="236"/>
        <source>Stop evaluation</source>
        <translation>停止评估</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/evaluate.py" line="238"/>
        <source>Stop after the window being scored; the figure so far is kept as partial</source>
        <translation>在当前窗口计分后停止；已得到的数值作为部分结果保留</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/evaluate.py" line="250"/>
        <source>Evaluation note</source>
        <translation>评估说明</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/evaluate.py" line="288"/>
        <source>Choose a document</source>
        <translation>选择文档</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/evaluate.py" line="291"/>
        <source>Documents (*.txt *.md *.markdown *.rst *.html *.htm *.pdf *.docx);;All files (*)</source>
        <translation>文档 (*.txt *.md *.markdown *.rst *.html *.htm *.pdf *.docx);;所有文件 (*)</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/evaluate.py" line="329"/>
        <source>Waiting</source>
        <translation>等待中</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/evaluate.py" line="334"/>
        <source>Choose your reference document first.</source>
        <translation>请先选择参考文档。</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/evaluate.py" line="344"/>
        <location filename="../../app/gui/models/evaluate.py" line="431"/>
        <source>Reading the text…</source>
        <translation>正在读取文本…</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/evaluate.py" line="405"/>
        <source>Stopping after this window…</source>
        <translation>将在此窗口后停止…</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/evaluate.py" line="427"/>
        <source>Loading…</source>
        <translation>正在加载…</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/evaluate.py" line="428"/>
        <source>Loading {model}…</source>
        <translation>正在加载 {model}…</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/evaluate.py" line="433"/>
        <source>Translating</source>
        <translation>正在翻译</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/evaluate.py" line="433"/>
        <source>Summarising</source>
        <translation>正在摘要</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/evaluate.py" line="434"/>
        <source>{doing}: {tokens} tokens written</source>
        <translation>{doing}：已写出 {tokens} 个词元</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/evaluate.py" line="438"/>
        <source>Window {done} of {total}</source>
        <translation>第 {done} 个窗口，共 {total} 个</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/evaluate.py" line="441"/>
        <source>, {left} left</source>
        <translation>，剩余 {left}</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/evaluate.py" line="436"/>
        <location filename="../../app/gui/models/evaluate.py" line="444"/>
        <source>{model}: {progress}</source>
        <translation>{model}：{progress}</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/evaluate.py" line="458"/>
        <source>Stopped</source>
        <translation>已停止</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/evaluate.py" line="461"/>
        <source>Failed: {error}</source>
        <translation>失败：{error}</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/evaluate.py" line="469"/>
        <source>Stopped.</source>
        <translation>已停止。</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/evaluate.py" line="469"/>
        <source>Done.</source>
        <translation>完成。</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/evaluate.py" line="475"/>
        <source>Not run</source>
        <translation>未运行</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/evaluate.py" line="476"/>
        <source>The evaluation could not run: {error}</source>
        <translation>无法运行评估：{error}</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/evaluate.py" line="491"/>
        <source>The text has {tokens} tokens with this model; perplexity needs at least one window of {window} tokens. Use a longer text or a smaller window.</source>
        <translation>对此模型而言，该文本有 {tokens} 个词元；计算困惑度至少需要一个 {window} 词元的窗口。请使用更长的文本或更小的窗口。</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/evaluate.py" line="495"/>
        <source>A window of {size} tokens fits.</source>
        <translation>{size} 词元的窗口可以容纳。</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/evaluate.py" line="503"/>
        <source>Partial: {done} of {total} windows</source>
        <translation>部分结果：{done}/{total} 个窗口</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/evaluate.py" line="506"/>
        <source>Done, {windows} windows</source>
        <translation>完成，{windows} 个窗口</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/evaluate.py" line="522"/>
        <source>Saved {date}</source>
        <translation>保存于 {date}</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/evaluate.py" line="525"/>
        <source>The last results are shown; Run measures the ticked models again.</source>
        <translation>显示的是上次的结果；点击“运行”将重新测量勾选的模型。</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/evaluate.py" line="548"/>
        <source>These models split the text into different numbers of tokens, so their perplexities do not compare; bits per character does, and the chart shows it.</source>
        <translation>这些模型把文本切分成的词元数不同，因此困惑度不可比较；每字符比特数可以比较，图表显示的就是它。</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/evaluate.py" line="555"/>
        <source>A partial figure covers only the windows scored before Stop.</source>
        <translation>部分结果只涵盖停止前已计分的窗口。</translation>
    </message>
</context>
<context>
    <name>GlossaryDialog</name>
    <message>
        <location filename="../../app/gui/tools/translate.py" line="90"/>
        <location filename="../../app/gui/tools/translate.py" line="91"/>
        <source>Glossary</source>
        <translation>术语表</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/translate.py" line="96"/>
        <source>One term per line, as “term = translation”. The translation uses these exactly; the result warns about any it could not place.</source>
        <translation>每行一个术语，格式为“术语 = 译文”。翻译会严格使用这些译文；无法套用的术语会在结果中提示。</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/translate.py" line="103"/>
        <source>Glossary entries</source>
        <translation>术语表条目</translation>
    </message>
</context>
<context>
    <name>JobProgress</name>
    <message>
        <location filename="../../app/gui/tools/long_jobs.py" line="59"/>
        <source>under a minute left</source>
        <translation>剩余不到一分钟</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/long_jobs.py" line="63"/>
        <source>about 1 min left</source>
        <translation>剩余约 1 分钟</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/long_jobs.py" line="64"/>
        <source>about {n} min left</source>
        <translation>剩余约 {n} 分钟</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/long_jobs.py" line="158"/>
        <source>{speed:.1f} tokens/s</source>
        <translation>{speed:.1f} 词元/秒</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/long_jobs.py" line="272"/>
        <source>This run was made with {model}. Choose it in the model picker to continue the run; its finished parts are kept.</source>
        <translation>这次运行使用的是 {model}。请在模型选择器中选择它以继续运行；已完成的部分会保留。</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/long_jobs.py" line="305"/>
        <source>Continue from part {i} of {k}; the parts already done are kept</source>
        <translation>从第 {i} 部分（共 {k} 部分）继续；已完成的部分会保留</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/long_jobs.py" line="318"/>
        <source>came back empty</source>
        <translation>返回为空</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/long_jobs.py" line="319"/>
        <source>ran together with another line</source>
        <translation>与另一行连在了一起</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/long_jobs.py" line="320"/>
        <source>lost some of its code or links</source>
        <translation>丢失了部分代码或链接</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/long_jobs.py" line="321"/>
        <source>came back untranslated</source>
        <translation>返回时未被翻译</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/long_jobs.py" line="322"/>
        <source>came back as the instructions</source>
        <translation>返回的是指令本身</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/long_jobs.py" line="323"/>
        <source>ignored glossary terms</source>
        <translation>忽略了术语表中的词条</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/long_jobs.py" line="371"/>
        <source>part {part}: line {line} {why}, trying again</source>
        <translation>第 {part} 部分：第 {line} 行{why}，正在重试</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/long_jobs.py" line="375"/>
        <source>part {part}: paragraph {segment} {why}, trying again</source>
        <translation>第 {part} 部分：第 {segment} 段{why}，正在重试</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/long_jobs.py" line="390"/>
        <source>Part {part}, line {line}</source>
        <translation>第 {part} 部分，第 {line} 行</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/long_jobs.py" line="394"/>
        <source>Part {part}, paragraph {segment}</source>
        <translation>第 {part} 部分，第 {segment} 段</translation>
    </message>
</context>
<context>
    <name>JobStatus</name>
    <message>
        <location filename="../../app/gui/job_status.py" line="35"/>
        <source>Job progress</source>
        <translation>任务进度</translation>
    </message>
    <message>
        <location filename="../../app/gui/job_status.py" line="38"/>
        <source>Job</source>
        <translation>任务</translation>
    </message>
    <message>
        <location filename="../../app/gui/job_status.py" line="42"/>
        <source>A text tool at work; click to open it</source>
        <translation>文本工具正在运行；点击打开</translation>
    </message>
    <message>
        <location filename="../../app/gui/job_status.py" line="79"/>
        <source>(+1 more)</source>
        <translation>（另有 1 个）</translation>
    </message>
    <message>
        <location filename="../../app/gui/job_status.py" line="79"/>
        <source>(+{n} more)</source>
        <translation>（另有 {n} 个）</translation>
    </message>
</context>
<context>
    <name>Languages</name>
    <message>
        <location filename="../../app/gui/tools/language_names.py" line="18"/>
        <source>English</source>
        <translation>英语</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/language_names.py" line="19"/>
        <source>Simplified Chinese</source>
        <translation>简体中文</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/language_names.py" line="20"/>
        <source>Traditional Chinese</source>
        <translation>繁体中文</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/language_names.py" line="21"/>
        <source>Japanese</source>
        <translation>日语</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/language_names.py" line="22"/>
        <source>Korean</source>
        <translation>韩语</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/language_names.py" line="23"/>
        <source>French</source>
        <translation>法语</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/language_names.py" line="24"/>
        <source>German</source>
        <translation>德语</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/language_names.py" line="25"/>
        <source>Spanish</source>
        <translation>西班牙语</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/language_names.py" line="26"/>
        <source>Portuguese</source>
        <translation>葡萄牙语</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/language_names.py" line="27"/>
        <source>Italian</source>
        <translation>意大利语</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/language_names.py" line="28"/>
        <source>Russian</source>
        <translation>俄语</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/language_names.py" line="29"/>
        <source>Arabic</source>
        <translation>阿拉伯语</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/language_names.py" line="30"/>
        <source>Dutch</source>
        <translation>荷兰语</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/language_names.py" line="31"/>
        <source>Polish</source>
        <translation>波兰语</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/language_names.py" line="32"/>
        <source>Turkish</source>
        <translation>土耳其语</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/language_names.py" line="33"/>
        <source>Ukrainian</source>
        <translation>乌克兰语</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/language_names.py" line="34"/>
        <source>Czech</source>
        <translation>捷克语</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/language_names.py" line="35"/>
        <source>Swedish</source>
        <translation>瑞典语</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/language_names.py" line="36"/>
        <source>Vietnamese</source>
        <translation>越南语</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/language_names.py" line="37"/>
        <source>Indonesian</source>
        <translation>印度尼西亚语</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/language_names.py" line="38"/>
        <source>Hindi</source>
        <translation>印地语</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/language_names.py" line="39"/>
        <source>Thai</source>
        <translation>泰语</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/language_names.py" line="40"/>
        <source>Greek</source>
        <translation>希腊语</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/language_names.py" line="41"/>
        <source>Hebrew</source>
        <translation>希伯来语</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/language_names.py" line="84"/>
        <source>This computer has no font for {language}, so its text shows as empty boxes. Install a font such as {font} to read it.</source>
        <translation>这台电脑没有{language}的字体，文字会显示为空白方框。请安装 {font} 等字体后再阅读。</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../../app/gui/window.py" line="236"/>
        <source>&amp;Parley</source>
        <translation>Parley(&amp;P)</translation>
    </message>
    <message>
        <location filename="../../app/gui/actions.py" line="44"/>
        <source>&amp;Settings…</source>
        <translation>设置(&amp;S)…</translation>
    </message>
    <message>
        <location filename="../../app/gui/actions.py" line="45"/>
        <source>Language, theme, default models, engine and history</source>
        <translation>语言、主题、默认模型、引擎和历史记录</translation>
    </message>
    <message>
        <location filename="../../app/gui/actions.py" line="55"/>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <location filename="../../app/gui/actions.py" line="56"/>
        <source>Close Parley (a reply being written is saved)</source>
        <translation>关闭 Parley（正在生成的回复会被保存）</translation>
    </message>
    <message>
        <location filename="../../app/gui/actions.py" line="64"/>
        <source>Export conversation as &amp;Markdown…</source>
        <translation>将对话导出为 &amp;Markdown…</translation>
    </message>
    <message>
        <location filename="../../app/gui/actions.py" line="65"/>
        <source>Save the open conversation to read or share</source>
        <translation>保存当前对话，以便阅读或分享</translation>
    </message>
    <message>
        <location filename="../../app/gui/actions.py" line="70"/>
        <source>Export conversation as &amp;JSON…</source>
        <translation>将对话导出为 &amp;JSON…</translation>
    </message>
    <message>
        <location filename="../../app/gui/actions.py" line="72"/>
        <source>Save the open conversation with every branch; parley history import reads it</source>
        <translation>保存当前对话及其所有分支；parley history import 可以读取它</translation>
    </message>
    <message>
        <location filename="../../app/gui/actions.py" line="81"/>
        <source>&amp;Welcome</source>
        <translation>欢迎页(&amp;W)</translation>
    </message>
    <message>
        <location filename="../../app/gui/actions.py" line="83"/>
        <source>Show the welcome page with a model recommendation again</source>
        <translation>再次显示欢迎页和推荐模型</translation>
    </message>
    <message>
        <location filename="../../app/gui/actions.py" line="91"/>
        <source>&amp;Keyboard shortcuts</source>
        <translation>键盘快捷键(&amp;K)</translation>
    </message>
    <message>
        <location filename="../../app/gui/actions.py" line="92"/>
        <source>Every keyboard shortcut on one page</source>
        <translation>在一页中查看所有键盘快捷键</translation>
    </message>
    <message>
        <location filename="../../app/gui/actions.py" line="102"/>
        <source>Version, licences and the engine in use</source>
        <translation>版本、许可证和正在使用的引擎</translation>
    </message>
    <message>
        <location filename="../../app/gui/window.py" line="287"/>
        <source>Download finished</source>
        <translation>下载完成</translation>
    </message>
    <message>
        <location filename="../../app/gui/window.py" line="288"/>
        <source>{model} is ready to use.</source>
        <translation>{model} 已可以使用。</translation>
    </message>
    <message>
        <location filename="../../app/gui/notify.py" line="68"/>
        <location filename="../../app/gui/window.py" line="101"/>
        <source>Parley</source>
        <translation>Parley</translation>
    </message>
    <message>
        <location filename="../../app/gui/window.py" line="135"/>
        <source>Chat</source>
        <translation>聊天</translation>
    </message>
    <message>
        <location filename="../../app/gui/window.py" line="137"/>
        <source>Talk with the local model (Ctrl+1)</source>
        <translation>与本地模型对话（Ctrl+1）</translation>
    </message>
    <message>
        <location filename="../../app/gui/window.py" line="142"/>
        <source>Summarise</source>
        <translation>摘要</translation>
    </message>
    <message>
        <location filename="../../app/gui/window.py" line="144"/>
        <source>Summarise a document (Ctrl+2)</source>
        <translation>为文档生成摘要（Ctrl+2）</translation>
    </message>
    <message>
        <location filename="../../app/gui/window.py" line="149"/>
        <source>Translate</source>
        <translation>翻译</translation>
    </message>
    <message>
        <location filename="../../app/gui/window.py" line="151"/>
        <source>Translate text or a document (Ctrl+3)</source>
        <translation>翻译文本或文档（Ctrl+3）</translation>
    </message>
    <message>
        <location filename="../../app/gui/window.py" line="156"/>
        <source>Sentiment</source>
        <translation>情感</translation>
    </message>
    <message>
        <location filename="../../app/gui/window.py" line="158"/>
        <source>Read the sentiment of reviews or messages (Ctrl+4)</source>
        <translation>分析评论或消息的情感（Ctrl+4）</translation>
    </message>
    <message>
        <location filename="../../app/gui/window.py" line="163"/>
        <source>Models</source>
        <translation>模型</translation>
    </message>
    <message>
        <location filename="../../app/gui/window.py" line="165"/>
        <source>Choose, download and manage models (Ctrl+5)</source>
        <translation>选择、下载和管理模型（Ctrl+5）</translation>
    </message>
    <message>
        <location filename="../../app/gui/window.py" line="238"/>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <location filename="../../app/gui/window.py" line="319"/>
        <source>Busy</source>
        <translation>忙碌</translation>
    </message>
    <message>
        <location filename="../../app/gui/window.py" line="322"/>
        <source>Activity</source>
        <translation>活动</translation>
    </message>
    <message>
        <location filename="../../app/gui/window.py" line="329"/>
        <source>No model loaded</source>
        <translation>未加载模型</translation>
    </message>
    <message>
        <location filename="../../app/gui/window.py" line="330"/>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <location filename="../../app/gui/window.py" line="333"/>
        <source>Device</source>
        <translation>设备</translation>
    </message>
    <message>
        <location filename="../../app/gui/window.py" line="335"/>
        <source>Where the model runs, and how many layers are on the GPU</source>
        <translation>模型运行的位置，以及有多少层在 GPU 上</translation>
    </message>
    <message>
        <location filename="../../app/gui/window.py" line="338"/>
        <source>Speed</source>
        <translation>速度</translation>
    </message>
    <message>
        <location filename="../../app/gui/window.py" line="340"/>
        <source>Speed of the last reply and the time until its first token appeared</source>
        <translation>上一条回复的速度，以及出现第一个词元所用的时间</translation>
    </message>
    <message>
        <location filename="../../app/gui/window.py" line="422"/>
        <source>{rate:.0f} tokens/s · first token {ttft:.2f} s</source>
        <translation>{rate:.0f} 词元/秒 · 首个词元 {ttft:.2f} 秒</translation>
    </message>
    <message>
        <location filename="../../app/gui/window.py" line="305"/>
        <location filename="../../app/gui/window.py" line="434"/>
        <source>Finding the model…</source>
        <translation>正在查找模型…</translation>
    </message>
    <message>
        <location filename="../../app/gui/window.py" line="170"/>
        <source>Servers</source>
        <translation>服务器</translation>
    </message>
    <message>
        <location filename="../../app/gui/window.py" line="172"/>
        <source>Run on an OpenAI-compatible server (Ctrl+6)</source>
        <translation>在兼容 OpenAI 的服务器上运行（Ctrl+6）</translation>
    </message>
    <message>
        <location filename="../../app/gui/window.py" line="239"/>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <location filename="../../app/gui/actions.py" line="101"/>
        <source>&amp;About Parley</source>
        <translation>关于 Parley(&amp;A)</translation>
    </message>
    <message>
        <location filename="../../app/gui/window.py" line="343"/>
        <source>Downloads</source>
        <translation>下载</translation>
    </message>
    <message>
        <location filename="../../app/gui/window.py" line="344"/>
        <source>Model downloads; details on the Models page</source>
        <translation>模型下载；详情见“模型”页</translation>
    </message>
    <message>
        <location filename="../../app/gui/window.py" line="439"/>
        <source>Opening history…</source>
        <translation>正在打开历史记录…</translation>
    </message>
    <message>
        <location filename="../../app/gui/window.py" line="458"/>
        <source>1 reply was cut off when Parley last closed. Its text so far is kept and marked “Interrupted”.</source>
        <translation>Parley 上次关闭时有 1 条回复被中断。已生成的文字已保留，并标为“已中断”。</translation>
    </message>
    <message>
        <location filename="../../app/gui/window.py" line="462"/>
        <source>{n} replies were cut off when Parley last closed. Their text so far is kept and marked “Interrupted”.</source>
        <translation>Parley 上次关闭时有 {n} 条回复被中断。已生成的文字已保留，并标为“已中断”。</translation>
    </message>
    <message>
        <location filename="../../app/gui/window.py" line="474"/>
        <source>The conversation history could not be opened: {error}</source>
        <translation>无法打开对话历史：{error}</translation>
    </message>
    <message>
        <location filename="../../app/gui/window.py" line="483"/>
        <location filename="../../app/gui/window.py" line="498"/>
        <source>History cannot be opened</source>
        <translation>无法打开历史记录</translation>
    </message>
    <message>
        <location filename="../../app/gui/window.py" line="484"/>
        <source>Parley could not open your conversation history.</source>
        <translation>Parley 无法打开你的对话历史。</translation>
    </message>
    <message>
        <location filename="../../app/gui/window.py" line="487"/>
        <source>{reason}

Parley can keep a copy of the damaged file next to it and start with an empty history, or quit so you can restore a backup first.</source>
        <translation>{reason}

Parley 可以在原处保留损坏文件的副本并以空的历史记录开始，或者退出，以便你先恢复备份。</translation>
    </message>
    <message>
        <location filename="../../app/gui/window.py" line="492"/>
        <location filename="../../app/gui/window.py" line="494"/>
        <source>Keep a copy and start fresh</source>
        <translation>保留副本并重新开始</translation>
    </message>
    <message>
        <location filename="../../app/gui/window.py" line="495"/>
        <location filename="../../app/gui/window.py" line="496"/>
        <source>Quit</source>
        <translation>退出</translation>
    </message>
    <message>
        <location filename="../../app/gui/window.py" line="523"/>
        <source>Starting a fresh history…</source>
        <translation>正在创建新的历史记录…</translation>
    </message>
    <message>
        <location filename="../../app/gui/window.py" line="545"/>
        <source>No model</source>
        <translation>无模型</translation>
    </message>
    <message>
        <location filename="../../app/gui/window.py" line="546"/>
        <source>No model could be loaded: {error}</source>
        <translation>无法加载任何模型：{error}</translation>
    </message>
    <message>
        <location filename="../../app/gui/window.py" line="550"/>
        <source>Loading {model}…</source>
        <translation>正在加载 {model}…</translation>
    </message>
    <message>
        <location filename="../../app/gui/window.py" line="370"/>
        <source>{device} · {gpu}/{total} layers on GPU</source>
        <translation>{device} · {gpu}/{total} 层在 GPU 上</translation>
    </message>
    <message>
        <location filename="../../app/gui/window.py" line="331"/>
        <location filename="../../app/gui/window.py" line="365"/>
        <source>The model the page shown runs on</source>
        <translation>当前页面所用的模型</translation>
    </message>
    <message>
        <location filename="../../app/gui/window.py" line="376"/>
        <source>{device} · 1 thread</source>
        <translation>{device} · 1 个线程</translation>
    </message>
    <message>
        <location filename="../../app/gui/window.py" line="377"/>
        <source>{device} · {n} threads</source>
        <translation>{device} · {n} 个线程</translation>
    </message>
    <message>
        <location filename="../../app/gui/window.py" line="559"/>
        <source>Model ready in {seconds:.1f} s</source>
        <translation>模型已就绪，用时 {seconds:.1f} 秒</translation>
    </message>
    <message>
        <location filename="../../app/gui/window.py" line="565"/>
        <source>Model failed to load</source>
        <translation>模型加载失败</translation>
    </message>
    <message>
        <location filename="../../app/gui/window.py" line="567"/>
        <source>The model could not be loaded: {error}</source>
        <translation>无法加载模型：{error}</translation>
    </message>
</context>
<context>
    <name>MessageCard</name>
    <message>
        <location filename="../../app/gui/chat/message_card.py" line="163"/>
        <source>Copied</source>
        <translation>已复制</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/message_card.py" line="179"/>
        <source>Copied to the clipboard</source>
        <translation>已复制到剪贴板</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/message_card.py" line="299"/>
        <source>Message status</source>
        <translation>消息状态</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/message_card.py" line="311"/>
        <source>Previous version</source>
        <translation>上一个版本</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/message_card.py" line="311"/>
        <source>Show the previous version</source>
        <translation>显示上一个版本</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/message_card.py" line="317"/>
        <source>Version</source>
        <translation>版本</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/message_card.py" line="319"/>
        <source>Version {index} of {count}</source>
        <translation>第 {index} 版，共 {count} 版</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/message_card.py" line="322"/>
        <source>Next version</source>
        <translation>下一个版本</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/message_card.py" line="322"/>
        <source>Show the next version</source>
        <translation>显示下一个版本</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/message_card.py" line="331"/>
        <source>Copy</source>
        <translation>复制</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/message_card.py" line="331"/>
        <source>Copy this message to the clipboard</source>
        <translation>将此消息复制到剪贴板</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/message_card.py" line="338"/>
        <source>Edit</source>
        <translation>编辑</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/message_card.py" line="338"/>
        <source>Edit this message and get a new reply</source>
        <translation>编辑此消息并获得新回复</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/message_card.py" line="345"/>
        <source>Regenerate</source>
        <translation>重新生成</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/message_card.py" line="345"/>
        <source>Write this reply again</source>
        <translation>重新写这条回复</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/message_card.py" line="354"/>
        <source>Confidence view</source>
        <translation>置信度视图</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/message_card.py" line="357"/>
        <source>Colour each word by how sure the model was, with the alternatives on hover; new replies record this while it is on</source>
        <translation>按模型的把握程度为每个词着色，悬停可查看其他候选；开启期间，新回复会记录这些信息</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/message_card.py" line="369"/>
        <source>Delete</source>
        <translation>删除</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/message_card.py" line="369"/>
        <source>Delete this message and everything after it</source>
        <translation>删除此消息及其后的所有内容</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/message_card.py" line="375"/>
        <source>Not sent to the model: outside the context window</source>
        <translation>未发送给模型：超出上下文窗口</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/message_card.py" line="387"/>
        <source>Confidence note</source>
        <translation>置信度说明</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/message_card.py" line="405"/>
        <source>Interrupted</source>
        <translation>已中断</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/message_card.py" line="406"/>
        <source>Stopped</source>
        <translation>已停止</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/message_card.py" line="407"/>
        <source>Failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/message_card.py" line="408"/>
        <source>Writing…</source>
        <translation>正在写…</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/message_card.py" line="417"/>
        <source>Parley closed before this reply finished; the text so far was kept.</source>
        <translation>这条回复完成前 Parley 已关闭；已生成的文字已保留。</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/message_card.py" line="419"/>
        <source>You stopped this reply.</source>
        <translation>你停止了这条回复。</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/message_card.py" line="420"/>
        <source>The model failed while writing this reply.</source>
        <translation>模型在写这条回复时出错。</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/message_card.py" line="451"/>
        <source>Green: the model was sure of a word; amber and red: less sure. Hover a word for the alternatives it weighed.</source>
        <translation>绿色：模型对这个词很有把握；琥珀色和红色：把握较小。将鼠标悬停在词上可查看模型考虑过的其他候选。</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/message_card.py" line="462"/>
        <source>No confidence recorded for this reply: it is recorded only for replies written while the confidence view is on, and kept until Parley closes. Regenerate it to see the colours.</source>
        <translation>此回复没有置信度记录：只有在置信度视图开启时生成的回复才会记录，并且只保留到 Parley 关闭为止。重新生成此回复即可看到着色。</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/message_card.py" line="510"/>
        <source>Edit message</source>
        <translation>编辑消息</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/message_card.py" line="511"/>
        <source>The earlier version is kept; switch back with ‹ ›</source>
        <translation>之前的版本会保留；可用 ‹ › 切换回去</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/message_card.py" line="516"/>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/message_card.py" line="517"/>
        <source>Cancel edit</source>
        <translation>取消编辑</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/message_card.py" line="518"/>
        <location filename="../../app/gui/chat/message_card.py" line="520"/>
        <source>Save and send</source>
        <translation>保存并发送</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/message_card.py" line="521"/>
        <source>Send the edited message as a new version and get a new reply</source>
        <translation>将修改后的消息作为新版本发送并获得新回复</translation>
    </message>
</context>
<context>
    <name>MessageInput</name>
    <message>
        <location filename="../../app/gui/chat/composer.py" line="44"/>
        <source>Message input</source>
        <translation>消息输入框</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/composer.py" line="45"/>
        <source>Type a message. Enter sends, Shift+Enter starts a new line.</source>
        <translation>输入消息。Enter 发送，Shift+Enter 换行。</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/composer.py" line="47"/>
        <source>Message the model… (Enter to send, Shift+Enter for a new line)</source>
        <translation>给模型发消息…（Enter 发送，Shift+Enter 换行）</translation>
    </message>
</context>
<context>
    <name>MessageView</name>
    <message>
        <location filename="../../app/gui/chat/message_view.py" line="53"/>
        <source>Messages</source>
        <translation>消息</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/message_view.py" line="55"/>
        <source>The messages of the open conversation, oldest first</source>
        <translation>当前对话的消息，最早的在前</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/message_view.py" line="73"/>
        <source>Show earlier messages</source>
        <translation>显示更早的消息</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/message_view.py" line="74"/>
        <source>Load older messages of this conversation</source>
        <translation>加载此对话中更早的消息</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/message_view.py" line="81"/>
        <source>Start a conversation</source>
        <translation>开始对话</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/message_view.py" line="86"/>
        <source>Everything stays on this computer. Type below and press Enter to send; Shift+Enter starts a new line.</source>
        <translation>所有内容都留在这台电脑上。在下方输入并按 Enter 发送；Shift+Enter 换行。</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/message_view.py" line="219"/>
        <source>Show 1 earlier message</source>
        <translation>显示 1 条更早的消息</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/message_view.py" line="220"/>
        <source>Show {n} earlier messages</source>
        <translation>显示 {n} 条更早的消息</translation>
    </message>
</context>
<context>
    <name>ModelPicker</name>
    <message>
        <location filename="../../app/gui/tools/model_picker.py" line="36"/>
        <location filename="../../app/gui/tools/model_picker.py" line="41"/>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/model_picker.py" line="43"/>
        <source>The model this pane runs on (an installed model or a server); a new choice is used from the next run and saved as this task&apos;s model</source>
        <translation>此窗格使用的模型（已安装的模型或服务器）；新的选择从下次运行起生效，并保存为此任务的模型</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/model_picker.py" line="76"/>
        <source>Runs on the server {name}</source>
        <translation>在服务器 {name} 上运行</translation>
    </message>
</context>
<context>
    <name>ModelsPage</name>
    <message>
        <location filename="../../app/gui/models/downloads.py" line="127"/>
        <source>unknown time</source>
        <translation>未知时间</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/downloads.py" line="130"/>
        <source>{n} s</source>
        <translation>{n} 秒</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/downloads.py" line="133"/>
        <source>{m} min {s} s</source>
        <translation>{m} 分 {s} 秒</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/downloads.py" line="135"/>
        <source>{h} h {m} min</source>
        <translation>{h} 小时 {m} 分</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/page.py" line="95"/>
        <location filename="../../app/gui/models/page.py" line="121"/>
        <source>Models</source>
        <translation>模型</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/hardware.py" line="81"/>
        <source>Looking at this computer…</source>
        <translation>正在检测这台电脑…</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/hardware.py" line="83"/>
        <location filename="../../app/gui/models/hardware.py" line="107"/>
        <location filename="../../app/gui/models/hardware.py" line="111"/>
        <source>Hardware</source>
        <translation>硬件</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/hardware.py" line="85"/>
        <source>What this computer offers a model</source>
        <translation>这台电脑能为模型提供的资源</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/hardware.py" line="87"/>
        <source>Hardware…</source>
        <translation>硬件…</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/hardware.py" line="88"/>
        <source>Hardware details</source>
        <translation>硬件详情</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/hardware.py" line="90"/>
        <source>CPU, instruction sets, memory and GPU as the engine sees them</source>
        <translation>引擎所见的 CPU、指令集、内存和 GPU</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/page.py" line="131"/>
        <source>Models notice</source>
        <translation>模型提示</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/catalogue.py" line="73"/>
        <location filename="../../app/gui/models/catalogue.py" line="130"/>
        <source>Model catalogue</source>
        <translation>模型目录</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/catalogue.py" line="81"/>
        <source>Search by name, language or task</source>
        <translation>按名称、语言或用途搜索</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/catalogue.py" line="83"/>
        <source>Search models</source>
        <translation>搜索模型</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/catalogue.py" line="85"/>
        <source>Show only models whose name, languages or uses match</source>
        <translation>只显示名称、语言或用途匹配的模型</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/catalogue.py" line="94"/>
        <source>Language filter</source>
        <translation>语言筛选</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/catalogue.py" line="97"/>
        <source>Show only models that speak this language</source>
        <translation>只显示支持该语言的模型</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/catalogue.py" line="99"/>
        <location filename="../../app/gui/models/catalogue.py" line="206"/>
        <source>All languages</source>
        <translation>所有语言</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/catalogue.py" line="103"/>
        <source>Size filter</source>
        <translation>大小筛选</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/catalogue.py" line="105"/>
        <source>Show only models of this download size</source>
        <translation>只显示该下载大小的模型</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/catalogue.py" line="108"/>
        <source>Any size</source>
        <translation>任意大小</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/catalogue.py" line="109"/>
        <source>Under 1 GB</source>
        <translation>1 GB 以下</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/catalogue.py" line="110"/>
        <source>1 to 3 GB</source>
        <translation>1 到 3 GB</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/catalogue.py" line="111"/>
        <source>Over 3 GB</source>
        <translation>3 GB 以上</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/catalogue.py" line="117"/>
        <location filename="../../app/gui/models/catalogue.py" line="120"/>
        <source>Installed only</source>
        <translation>仅已安装</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/catalogue.py" line="123"/>
        <source>Show only models on this computer</source>
        <translation>只显示这台电脑上的模型</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/catalogue.py" line="132"/>
        <source>Curated models; hover over the Fit column for the memory estimate</source>
        <translation>精选模型；将鼠标悬停在“适配”列上可查看内存估算</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/catalogue.py" line="137"/>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/catalogue.py" line="138"/>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/catalogue.py" line="139"/>
        <source>Size</source>
        <translation>大小</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/catalogue.py" line="140"/>
        <source>Parameters</source>
        <translation>参数量</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/catalogue.py" line="141"/>
        <source>Quantization</source>
        <translation>量化</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/catalogue.py" line="142"/>
        <source>Licence</source>
        <translation>许可证</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/catalogue.py" line="143"/>
        <source>Languages</source>
        <translation>语言</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/catalogue.py" line="144"/>
        <source>Good for</source>
        <translation>适用于</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/catalogue.py" line="145"/>
        <source>Fit</source>
        <translation>适配</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/catalogue.py" line="146"/>
        <source>Speed</source>
        <translation>速度</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/catalogue.py" line="168"/>
        <location filename="../../app/gui/models/catalogue.py" line="413"/>
        <source>Select a model to read about it.</source>
        <translation>选择一个模型以查看介绍。</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/catalogue.py" line="173"/>
        <source>Model description</source>
        <translation>模型介绍</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/catalogue.py" line="176"/>
        <location filename="../../app/gui/models/catalogue.py" line="178"/>
        <source>Download</source>
        <translation>下载</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/catalogue.py" line="180"/>
        <location filename="../../app/gui/models/catalogue.py" line="441"/>
        <source>Download the selected model; the checksum is verified before it is used</source>
        <translation>下载所选模型；使用前会校验文件</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/catalogue.py" line="297"/>
        <source>Fits, on the CPU</source>
        <translation>可运行（CPU）</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/catalogue.py" line="303"/>
        <source>Fits, but slow on the CPU</source>
        <translation>可运行，但在 CPU 上较慢</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/catalogue.py" line="317"/>
        <source>≈ {rate} tokens/s</source>
        <translation>≈ {rate} 词元/秒</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/catalogue.py" line="322"/>
        <source>Estimated from the file size and this computer&apos;s cores. Install the model, select it and press Benchmark to measure it.</source>
        <translation>根据文件大小和本机的核心数估算。安装模型后选中它并点击“测速”即可实测。</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/catalogue.py" line="527"/>
        <source>Thinks before it answers. Parley shows the thinking collapsed above each reply; the Think switch in a conversation&apos;s settings turns it off.</source>
        <translation>回答前会先思考。Parley 把思考过程折叠显示在每条回复上方；在对话设置中用“回答前先思考”开关可以关闭。</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/catalogue.py" line="533"/>
        <source>Always thinks before it answers (this cannot be turned off); Parley shows the thinking collapsed above each reply.</source>
        <translation>总是先思考再回答（无法关闭）；Parley 把思考过程折叠显示在每条回复上方。</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/installed.py" line="72"/>
        <location filename="../../app/gui/models/installed.py" line="86"/>
        <source>Installed models</source>
        <translation>已安装的模型</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/installed.py" line="87"/>
        <source>Models on this computer</source>
        <translation>这台电脑上的模型</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/installed.py" line="90"/>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/installed.py" line="91"/>
        <source>File size</source>
        <translation>文件大小</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/installed.py" line="93"/>
        <source>Default for</source>
        <translation>默认用于</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/installed.py" line="92"/>
        <source>Source</source>
        <translation>来源</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/installed.py" line="94"/>
        <source>Measured</source>
        <translation>实测</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/installed.py" line="116"/>
        <source>Tool</source>
        <translation>工具</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/installed.py" line="118"/>
        <source>The tool whose default model to set</source>
        <translation>要设置默认模型的工具</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/installed.py" line="121"/>
        <source>Chat</source>
        <translation>聊天</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/installed.py" line="122"/>
        <source>Summarise</source>
        <translation>摘要</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/installed.py" line="123"/>
        <source>Translate</source>
        <translation>翻译</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/installed.py" line="124"/>
        <source>Sentiment</source>
        <translation>情感分析</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/installed.py" line="130"/>
        <location filename="../../app/gui/models/installed.py" line="133"/>
        <source>Set as default</source>
        <translation>设为默认</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/installed.py" line="136"/>
        <source>Use the selected model for the chosen tool from now on</source>
        <translation>从现在起让所选工具使用此模型</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/installed.py" line="143"/>
        <location filename="../../app/gui/models/installed.py" line="144"/>
        <source>Benchmark</source>
        <translation>测速</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/installed.py" line="146"/>
        <source>Measure how fast the selected model reads and writes on this computer</source>
        <translation>测量所选模型在这台电脑上读取和生成的速度</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/installed.py" line="153"/>
        <source>Evaluate on my text…</source>
        <translation>用我的文本评估…</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/installed.py" line="156"/>
        <source>Evaluate on my text</source>
        <translation>用我的文本评估</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/installed.py" line="159"/>
        <source>Compare installed models by how well they predict a document of yours (perplexity), with their speed</source>
        <translation>按预测你的文档的能力（困惑度）及速度比较已安装的模型</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/installed.py" line="166"/>
        <location filename="../../app/gui/models/installed.py" line="168"/>
        <location filename="../../app/gui/models/installed.py" line="371"/>
        <source>Remove model</source>
        <translation>移除模型</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/installed.py" line="171"/>
        <location filename="../../app/gui/models/installed.py" line="334"/>
        <source>Delete the selected model from this computer</source>
        <translation>从这台电脑中删除所选模型</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/installed.py" line="451"/>
        <source>Writes {rate} tokens/s (Benchmark)</source>
        <translation>每秒写出 {rate} 个词元（测速）</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/installed.py" line="458"/>
        <source>PPL {value}</source>
        <translation>困惑度 {value}</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/installed.py" line="463"/>
        <source>Perplexity {value} on {text} (window {window}, {date}); lower is better</source>
        <translation>在 {text} 上的困惑度为 {value}（窗口 {window}，{date}）；越低越好</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/installed.py" line="480"/>
        <source>{metric} {value} against {reference} ({date}); higher is better</source>
        <translation>相对于 {reference} 的 {metric} 为 {value}（{date}）；越高越好</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/installed.py" line="490"/>
        <source>Not measured yet: select the model and press Benchmark or Evaluate on my text…</source>
        <translation>尚未测量：选中该模型，然后点击“测速”或“用我的文本评估…”</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/importing.py" line="110"/>
        <location filename="../../app/gui/models/installed.py" line="178"/>
        <location filename="../../app/gui/models/installed.py" line="180"/>
        <source>Import model</source>
        <translation>导入模型</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/installed.py" line="183"/>
        <source>Add a .gguf file from this computer (or drop one on this page)</source>
        <translation>从这台电脑添加 .gguf 文件（也可以拖到此页面上）</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/installed.py" line="191"/>
        <source>Model activity</source>
        <translation>模型活动</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/installed.py" line="198"/>
        <source>Import progress</source>
        <translation>导入进度</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/downloads.py" line="142"/>
        <location filename="../../app/gui/models/downloads.py" line="150"/>
        <source>Downloads</source>
        <translation>下载</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/downloads.py" line="154"/>
        <source>No downloads. Choose a model in the catalogue and press Download.</source>
        <translation>没有下载任务。在模型目录中选择一个模型，然后点击“下载”。</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/page.py" line="232"/>
        <source>The model list could not be read: {error}</source>
        <translation>无法读取模型列表：{error}</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/hardware.py" line="21"/>
        <source>{backend}: {name}</source>
        <translation>{backend}：{name}</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/hardware.py" line="25"/>
        <source>{backend} build, GPU memory unknown</source>
        <translation>{backend} 版本，GPU 显存未知</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/hardware.py" line="29"/>
        <source>no GPU offload</source>
        <translation>不使用 GPU 加速</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/hardware.py" line="30"/>
        <source>{cores} CPU cores · {ram} RAM · {gpu}</source>
        <translation>{cores} 个 CPU 核心 · {ram} 内存 · {gpu}</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/hardware.py" line="39"/>
        <source>CPU: {name}</source>
        <translation>CPU：{name}</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/hardware.py" line="37"/>
        <location filename="../../app/gui/models/importing.py" line="225"/>
        <source>unknown</source>
        <translation>未知</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/hardware.py" line="40"/>
        <source>Cores: {physical} physical, {logical} logical</source>
        <translation>核心：{physical} 个物理核心，{logical} 个逻辑核心</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/hardware.py" line="43"/>
        <source>Instruction sets: {sets}</source>
        <translation>指令集：{sets}</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/hardware.py" line="46"/>
        <source>RAM: {total} total, {free} available</source>
        <translation>内存：共 {total}，可用 {free}</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/hardware.py" line="49"/>
        <source>GPU backend in the engine: {backend}</source>
        <translation>引擎中的 GPU 后端：{backend}</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/hardware.py" line="50"/>
        <source>none (CPU only)</source>
        <translation>无（仅 CPU）</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/hardware.py" line="55"/>
        <source>GPU: {name}, {total} total, {free} free</source>
        <translation>GPU：{name}，共 {total}，空闲 {free}</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/hardware.py" line="65"/>
        <source>A GPU was found, but this build of the engine cannot use it; models run on the CPU.</source>
        <translation>检测到 GPU，但此版本的引擎无法使用它；模型将在 CPU 上运行。</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/catalogue.py" line="227"/>
        <source>{bytes} bytes to download</source>
        <translation>需下载 {bytes} 字节</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/catalogue.py" line="240"/>
        <source>thinks</source>
        <translation>会思考</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/catalogue.py" line="253"/>
        <location filename="../../app/gui/models/installed.py" line="278"/>
        <source>Built in</source>
        <translation>内置</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/catalogue.py" line="255"/>
        <source>Installed</source>
        <translation>已安装</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/catalogue.py" line="259"/>
        <source>Downloading {percent}%</source>
        <translation>正在下载 {percent}%</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/catalogue.py" line="262"/>
        <source>Queued</source>
        <translation>排队中</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/catalogue.py" line="264"/>
        <source>Paused</source>
        <translation>已暂停</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/catalogue.py" line="295"/>
        <source>Runs on GPU</source>
        <translation>在 GPU 上运行</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/catalogue.py" line="296"/>
        <source>Partly on GPU</source>
        <translation>部分在 GPU 上运行</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/catalogue.py" line="298"/>
        <source>Too large for this computer</source>
        <translation>对这台电脑来说太大</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/catalogue.py" line="458"/>
        <source>the file&apos;s header</source>
        <translation>文件头信息</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/catalogue.py" line="459"/>
        <source>the model&apos;s published figures</source>
        <translation>模型公布的数据</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/catalogue.py" line="460"/>
        <source>its size (a cautious guess)</source>
        <translation>文件大小（保守估计）</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/catalogue.py" line="465"/>
        <source>Needs about {total} for a {ctx}-token context:</source>
        <translation>在 {ctx} 词元的上下文下约需 {total}：</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/catalogue.py" line="468"/>
        <source>  model weights {n}</source>
        <translation>  模型权重 {n}</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/catalogue.py" line="471"/>
        <source>  context memory (KV cache) {n}</source>
        <translation>  上下文内存（KV 缓存）{n}</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/catalogue.py" line="474"/>
        <source>  compute buffers {n}</source>
        <translation>  计算缓冲区 {n}</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/catalogue.py" line="477"/>
        <source>  runtime {n}</source>
        <translation>  运行时 {n}</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/catalogue.py" line="478"/>
        <source>Shape from {source}: {layers} layers</source>
        <translation>结构信息来自{source}：{layers} 层</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/catalogue.py" line="481"/>
        <source>This computer: {total} RAM, {usable} usable for a model, {free} free now</source>
        <translation>这台电脑：内存 {total}，可供模型使用 {usable}，当前空闲 {free}</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/catalogue.py" line="492"/>
        <source>GPU memory usable: {budget}; {layers} of {total} layers there</source>
        <translation>可用 GPU 显存：{budget}；{total} 层中有 {layers} 层在 GPU 上</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/catalogue.py" line="502"/>
        <source>A smaller model or a shorter context would fit.</source>
        <translation>换用更小的模型或更短的上下文即可放下。</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/catalogue.py" line="508"/>
        <source>Close other programs before loading it: RAM is short now.</source>
        <translation>加载前请关闭其他程序：当前内存不足。</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/catalogue.py" line="332"/>
        <source>Not measured yet: install the model, select it and press Benchmark</source>
        <translation>尚未测速：安装模型后选中它，然后点击“测速”</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/catalogue.py" line="339"/>
        <location filename="../../app/gui/models/installed.py" line="449"/>
        <source>{rate} tokens/s</source>
        <translation>{rate} 词元/秒</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/catalogue.py" line="344"/>
        <source>Measured on this computer ({device}, {threads} threads, {when}):
reading the prompt {prompt} tokens/s
writing {gen} tokens/s</source>
        <translation>在这台电脑上测得（{device}，{threads} 个线程，{when}）：
读取提示 {prompt} 词元/秒
生成 {gen} 词元/秒</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/installed.py" line="228"/>
        <source>built into Parley</source>
        <translation>Parley 内置</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/installed.py" line="280"/>
        <source>Catalogue</source>
        <translation>模型目录</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/installed.py" line="282"/>
        <source>Hugging Face: {repo}</source>
        <translation>Hugging Face：{repo}</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/installed.py" line="287"/>
        <source>Linked</source>
        <translation>已链接</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/installed.py" line="289"/>
        <source>Imported</source>
        <translation>已导入</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/installed.py" line="292"/>
        <source>Models folder</source>
        <translation>模型文件夹</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/installed.py" line="296"/>
        <source>Imported from {path}</source>
        <translation>导入自 {path}</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/catalogue.py" line="433"/>
        <source>This model is built into Parley</source>
        <translation>此模型内置于 Parley</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/catalogue.py" line="437"/>
        <source>This model is already installed</source>
        <translation>此模型已安装</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/installed.py" line="328"/>
        <source>The built-in model cannot be removed: it always works offline</source>
        <translation>内置模型无法移除：它始终可以离线使用</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/downloads.py" line="201"/>
        <source>Downloading {name}: {status}</source>
        <translation>正在下载 {name}：{status}</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/downloads.py" line="206"/>
        <source> (+{n} more)</source>
        <translation>（另有 {n} 个）</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/installed.py" line="356"/>
        <source>{model} is now the default for {tool}.</source>
        <translation>{model} 现在是{tool}的默认模型。</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/installed.py" line="372"/>
        <source>Remove model?</source>
        <translation>移除模型？</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/installed.py" line="374"/>
        <source>Remove {name}?</source>
        <translation>移除 {name}？</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/installed.py" line="377"/>
        <source>Only Parley&apos;s link to the file is removed; the file itself at {path} is kept.</source>
        <translation>只会移除 Parley 对该文件的链接；位于 {path} 的文件本身会保留。</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/installed.py" line="382"/>
        <source>The file {path} is deleted and {size} of disk space is freed.</source>
        <translation>将删除文件 {path}，释放 {size} 磁盘空间。</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/installed.py" line="387"/>
        <location filename="../../app/gui/models/installed.py" line="390"/>
        <source>Remove</source>
        <translation>移除</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/installed.py" line="392"/>
        <location filename="../../app/gui/models/installed.py" line="394"/>
        <source>Keep</source>
        <translation>保留</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/installed.py" line="412"/>
        <source>Removed the link to {name}; the original file was kept.</source>
        <translation>已移除指向 {name} 的链接；原文件已保留。</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/installed.py" line="416"/>
        <source>Removed {name}; {size} freed.</source>
        <translation>已移除 {name}；释放了 {size}。</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/installed.py" line="420"/>
        <source>Tools that used it now use the built-in model.</source>
        <translation>原先使用它的工具现在改用内置模型。</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/importing.py" line="77"/>
        <source>Import a model</source>
        <translation>导入模型</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/importing.py" line="79"/>
        <source>GGUF models (*.gguf);;All files (*)</source>
        <translation>GGUF 模型 (*.gguf);;所有文件 (*)</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/importing.py" line="101"/>
        <source>Importing {name}; drop the other files one at a time.</source>
        <translation>正在导入 {name}；其他文件请逐个拖入。</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/importing.py" line="111"/>
        <source>Import model?</source>
        <translation>导入模型？</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/importing.py" line="113"/>
        <source>Import {name}?</source>
        <translation>导入 {name}？</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/importing.py" line="116"/>
        <source>Copying puts a copy in Parley&apos;s models folder (it uses disk space). Linking uses no space, but the model stops working if the file is moved or deleted.</source>
        <translation>复制会在 Parley 的模型文件夹中放一份副本（占用磁盘空间）。链接不占空间，但如果文件被移动或删除，模型就无法使用。</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/importing.py" line="123"/>
        <location filename="../../app/gui/models/importing.py" line="126"/>
        <source>Copy into Parley</source>
        <translation>复制到 Parley</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/importing.py" line="128"/>
        <location filename="../../app/gui/models/importing.py" line="131"/>
        <source>Link to the file</source>
        <translation>链接到文件</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/importing.py" line="133"/>
        <location filename="../../app/gui/models/importing.py" line="135"/>
        <location filename="../../app/gui/models/importing.py" line="267"/>
        <location filename="../../app/gui/models/importing.py" line="269"/>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/importing.py" line="154"/>
        <source>Checking {name}…</source>
        <translation>正在检查 {name}…</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/importing.py" line="188"/>
        <source>Copying: {done} of {total}</source>
        <translation>正在复制：{done} / {total}</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/importing.py" line="195"/>
        <source>Loading {name} once to test it…</source>
        <translation>正在加载 {name} 以进行测试…</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/importing.py" line="210"/>
        <source>copied</source>
        <translation>已复制</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/importing.py" line="211"/>
        <location filename="../../app/gui/models/importing.py" line="212"/>
        <source>linked</source>
        <translation>已链接</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/importing.py" line="215"/>
        <source>{name} {how}: {arch}, {params} parameters, {quant}, context {ctx}</source>
        <translation>{name} {how}：{arch}，{params} 参数，{quant}，上下文 {ctx}</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/importing.py" line="230"/>
        <source>{name} has no chat template; Parley will use ChatML for it.</source>
        <translation>{name} 没有聊天模板；Parley 将为它使用 ChatML。</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/importing.py" line="242"/>
        <source>Import cancelled.</source>
        <translation>已取消导入。</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/importing.py" line="253"/>
        <location filename="../../app/gui/models/importing.py" line="254"/>
        <source>Model already installed</source>
        <translation>模型已安装</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/importing.py" line="257"/>
        <location filename="../../app/gui/models/importing.py" line="260"/>
        <source>Replace</source>
        <translation>替换</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/importing.py" line="262"/>
        <location filename="../../app/gui/models/importing.py" line="265"/>
        <source>Keep both</source>
        <translation>两者都保留</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/benchmark.py" line="59"/>
        <source>Benchmarking {model}…</source>
        <translation>正在测速 {model}…</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/benchmark.py" line="100"/>
        <source>Loading {model}…</source>
        <translation>正在加载 {model}…</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/benchmark.py" line="102"/>
        <source>Measuring speed (run {run})…</source>
        <translation>正在测速（第 {run} 次）…</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/benchmark.py" line="108"/>
        <source>{model}: reads {prompt} tokens/s, writes {gen} tokens/s ({device}, {threads} threads)</source>
        <translation>{model}：读取 {prompt} 词元/秒，生成 {gen} 词元/秒（{device}，{threads} 个线程）</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/benchmark.py" line="127"/>
        <source>The benchmark could not run: {error}</source>
        <translation>无法运行测速：{error}</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/catalogue.py" line="543"/>
        <source>chat</source>
        <translation>聊天</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/catalogue.py" line="544"/>
        <source>summarise</source>
        <translation>摘要</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/catalogue.py" line="545"/>
        <source>translate</source>
        <translation>翻译</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/catalogue.py" line="546"/>
        <source>sentiment</source>
        <translation>情感分析</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/catalogue.py" line="547"/>
        <source>code</source>
        <translation>代码</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/catalogue.py" line="548"/>
        <source>reasoning</source>
        <translation>推理</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/catalogue.py" line="555"/>
        <source>{n}M</source>
        <translation>{n}M</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/catalogue.py" line="556"/>
        <source>{n}B</source>
        <translation>{n}B</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/catalogue.py" line="564"/>
        <source>{shown} +{more}</source>
        <translation>{shown} +{more}</translation>
    </message>
</context>
<context>
    <name>Notice</name>
    <message>
        <location filename="../../app/gui/notice.py" line="31"/>
        <source>Notice</source>
        <translation>提示</translation>
    </message>
    <message>
        <location filename="../../app/gui/notice.py" line="37"/>
        <source>Dismiss notice</source>
        <translation>关闭提示</translation>
    </message>
    <message>
        <location filename="../../app/gui/notice.py" line="38"/>
        <source>Hide this notice</source>
        <translation>隐藏此提示</translation>
    </message>
</context>
<context>
    <name>QualityChart</name>
    <message>
        <location filename="../../app/gui/models/eval_views.py" line="278"/>
        <source>Quality and speed chart</source>
        <translation>质量与速度图表</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/eval_views.py" line="300"/>
        <source>Bits per character (lower is better) against speed</source>
        <translation>每字符比特数（越低越好）与速度</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/eval_views.py" line="301"/>
        <source>Perplexity (lower is better) against speed</source>
        <translation>困惑度（越低越好）与速度</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/eval_views.py" line="325"/>
        <source>tokens/s (faster →)</source>
        <translation>词元/秒（越快 →）</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/eval_views.py" line="331"/>
        <source>Results appear here as each model finishes.</source>
        <translation>每个模型完成后结果会显示在这里。</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/eval_views.py" line="364"/>
        <source>better ↘</source>
        <translation>更好 ↘</translation>
    </message>
</context>
<context>
    <name>ReasoningPanel</name>
    <message>
        <location filename="../../app/gui/chat/reasoning_view.py" line="32"/>
        <source>Show or hide what the model thought before answering</source>
        <translation>显示或隐藏模型在回答前的思考</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/reasoning_view.py" line="47"/>
        <source>The model&apos;s thinking</source>
        <translation>模型的思考过程</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/reasoning_view.py" line="70"/>
        <source>Thinking… {seconds} s</source>
        <translation>思考中… {seconds} 秒</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/reasoning_view.py" line="72"/>
        <source>Thinking…</source>
        <translation>思考中…</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/reasoning_view.py" line="75"/>
        <source>Thought for {seconds} s</source>
        <translation>思考了 {seconds} 秒</translation>
    </message>
    <message>
        <location filename="../../app/gui/chat/reasoning_view.py" line="77"/>
        <source>Thoughts</source>
        <translation>思考过程</translation>
    </message>
</context>
<context>
    <name>ReferenceRow</name>
    <message>
        <location filename="../../app/gui/models/eval_views.py" line="199"/>
        <source>Reference</source>
        <translation>参考</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/eval_views.py" line="202"/>
        <source>Reference task</source>
        <translation>参考任务</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/eval_views.py" line="205"/>
        <source>Score each model&apos;s translation (chrF) or summary (ROUGE-L) of the text against your own</source>
        <translation>用你自己的版本为每个模型的译文（chrF）或摘要（ROUGE-L）打分</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/eval_views.py" line="209"/>
        <source>None</source>
        <translation>无</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/eval_views.py" line="210"/>
        <source>Translation (chrF)</source>
        <translation>翻译（chrF）</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/eval_views.py" line="211"/>
        <source>Summary (ROUGE-L)</source>
        <translation>摘要（ROUGE-L）</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/eval_views.py" line="215"/>
        <source>Translate into</source>
        <translation>翻译成</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/eval_views.py" line="216"/>
        <source>The language of your reference translation</source>
        <translation>你的参考译文所用的语言</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/eval_views.py" line="222"/>
        <source>No reference chosen</source>
        <translation>未选择参考文档</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/eval_views.py" line="223"/>
        <source>Reference document</source>
        <translation>参考文档</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/eval_views.py" line="225"/>
        <source>Choose…</source>
        <translation>选择…</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/eval_views.py" line="226"/>
        <source>Choose reference</source>
        <translation>选择参考文档</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/eval_views.py" line="227"/>
        <source>Your translation or summary of the text</source>
        <translation>你对该文本的翻译或摘要</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/eval_views.py" line="251"/>
        <source>Choose your reference</source>
        <translation>选择你的参考文档</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/eval_views.py" line="254"/>
        <source>Documents (*.txt *.md *.markdown *.rst *.html *.htm *.pdf *.docx);;All files (*)</source>
        <translation>文档 (*.txt *.md *.markdown *.rst *.html *.htm *.pdf *.docx);;所有文件 (*)</translation>
    </message>
</context>
<context>
    <name>ResultFilesMixin</name>
    <message>
        <location filename="../../app/gui/tools/pane_files.py" line="41"/>
        <source>Result copied</source>
        <translation>结果已复制</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/pane_files.py" line="44"/>
        <source>Markdown (*.md);;Text (*.txt);;All files (*)</source>
        <translation>Markdown (*.md);;文本 (*.txt);;所有文件 (*)</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/pane_files.py" line="52"/>
        <source>Save result</source>
        <translation>保存结果</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/pane_files.py" line="71"/>
        <source>Could not save {name}: {error}</source>
        <translation>无法保存 {name}：{error}</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/pane_files.py" line="78"/>
        <source>Saved {name}</source>
        <translation>已保存 {name}</translation>
    </message>
</context>
<context>
    <name>ResultHeader</name>
    <message>
        <location filename="../../app/gui/tools/runs.py" line="322"/>
        <source>Run status</source>
        <translation>运行状态</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/runs.py" line="327"/>
        <source>Run details</source>
        <translation>运行详情</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/runs.py" line="331"/>
        <source>Copy</source>
        <translation>复制</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/runs.py" line="332"/>
        <source>Copy result</source>
        <translation>复制结果</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/runs.py" line="333"/>
        <source>Copy the result to the clipboard</source>
        <translation>将结果复制到剪贴板</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/runs.py" line="334"/>
        <source>Save…</source>
        <translation>保存…</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/runs.py" line="335"/>
        <source>Save result</source>
        <translation>保存结果</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/runs.py" line="336"/>
        <source>Save the result to a file</source>
        <translation>将结果保存到文件</translation>
    </message>
</context>
<context>
    <name>ResultsTable</name>
    <message>
        <location filename="../../app/gui/models/eval_views.py" line="64"/>
        <source>Evaluation results</source>
        <translation>评估结果</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/eval_views.py" line="66"/>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/eval_views.py" line="67"/>
        <source>Quantization</source>
        <translation>量化</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/eval_views.py" line="68"/>
        <source>File size</source>
        <translation>文件大小</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/eval_views.py" line="70"/>
        <source>Perplexity</source>
        <translation>困惑度</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/eval_views.py" line="71"/>
        <source>How surprised the model is by each token of the text: lower is better</source>
        <translation>模型对文本中每个词元的意外程度：越低越好</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/eval_views.py" line="74"/>
        <source>Bits/char</source>
        <translation>比特/字符</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/eval_views.py" line="76"/>
        <source>Bits per character: compares models whose tokenizers differ; lower is better</source>
        <translation>每字符比特数：可比较分词器不同的模型；越低越好</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/eval_views.py" line="80"/>
        <source>Reference</source>
        <translation>参考</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/eval_views.py" line="82"/>
        <source>The output&apos;s score against your reference: chrF (0-100) for a translation, ROUGE-L (0-1) for a summary; higher is better</source>
        <translation>输出相对于你的参考文档的得分：翻译为 chrF（0–100），摘要为 ROUGE-L（0–1）；越高越好</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/eval_views.py" line="86"/>
        <source>Tokens/s</source>
        <translation>词元/秒</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/eval_views.py" line="86"/>
        <source>Tokens of the text read per second while scoring</source>
        <translation>计分时每秒读取的文本词元数</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/eval_views.py" line="88"/>
        <source>Memory</source>
        <translation>内存</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/eval_views.py" line="89"/>
        <source>The engine process&apos;s peak memory (RAM) while this model was measured</source>
        <translation>测量该模型时推理引擎进程的峰值内存（RAM）</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/eval_views.py" line="91"/>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/eval_views.py" line="92"/>
        <source>Text</source>
        <translation>文本</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/eval_views.py" line="93"/>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../app/gui/models/eval_views.py" line="143"/>
        <source>{name}: {chars} characters, {tokens} tokens, window {window}</source>
        <translation>{name}：{chars} 个字符，{tokens} 个词元，窗口 {window}</translation>
    </message>
</context>
<context>
    <name>RunBar</name>
    <message>
        <location filename="../../app/gui/tools/runs.py" line="218"/>
        <source>Plan</source>
        <translation>计划</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/runs.py" line="221"/>
        <source>How much text there is, how much the model reads at once, and in how many parts</source>
        <translation>文本有多长、模型一次读取多少，以及分成几部分</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/runs.py" line="227"/>
        <source>Progress</source>
        <translation>进度</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/runs.py" line="234"/>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/runs.py" line="235"/>
        <source>Time taken so far, the model&apos;s speed, and the time left</source>
        <translation>已用时间、模型速度和剩余时间</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/runs.py" line="239"/>
        <location filename="../../app/gui/tools/runs.py" line="240"/>
        <source>Stop</source>
        <translation>停止</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/runs.py" line="241"/>
        <source>Stop now; what is done so far is kept (Esc)</source>
        <translation>立即停止；已完成的部分会保留（Esc）</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/runs.py" line="244"/>
        <source>Continue</source>
        <translation>继续</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/runs.py" line="245"/>
        <source>Continue the run</source>
        <translation>继续这次运行</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/runs.py" line="246"/>
        <source>Continue from the first unfinished part</source>
        <translation>从第一个未完成的部分继续</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/runs.py" line="267"/>
        <source>Starting…</source>
        <translation>正在开始…</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/runs.py" line="282"/>
        <source>Stopping…</source>
        <translation>正在停止…</translation>
    </message>
</context>
<context>
    <name>RunHistory</name>
    <message>
        <location filename="../../app/gui/tools/runs.py" line="108"/>
        <source>History</source>
        <translation>历史记录</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/runs.py" line="113"/>
        <source>Saved runs</source>
        <translation>已保存的运行</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/runs.py" line="114"/>
        <source>Earlier runs; choose one to see it again</source>
        <translation>之前的运行；选择一项可再次查看</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/runs.py" line="123"/>
        <source>Runs you make are kept here.</source>
        <translation>你运行过的任务会保存在这里。</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/runs.py" line="193"/>
        <source>Delete</source>
        <translation>删除</translation>
    </message>
</context>
<context>
    <name>SentimentPane</name>
    <message>
        <location filename="../../app/gui/tools/sentiment.py" line="111"/>
        <source>Sentiment</source>
        <translation>情感分析</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/sentiment.py" line="113"/>
        <source>Positive, negative, neutral or mixed, with the model&apos;s own confidence: for one text, or for many — one per line, or a column of a CSV file.</source>
        <translation>判断正面、负面、中性或混合，并给出模型自身的置信度：可分析一段文本，也可分析多条——每行一条，或 CSV 文件中的一列。</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/sentiment.py" line="116"/>
        <source>Analyse sentiment</source>
        <translation>分析情感</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/sentiment.py" line="118"/>
        <source>Paste a review, a message or a document — or many, one per line — or drop a file here (.txt, .md, .html, .pdf, .docx, .csv).</source>
        <translation>粘贴一条评论、一条消息或一篇文档——或多条，每行一条——也可以把文件拖到这里（.txt、.md、.html、.pdf、.docx、.csv）。</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/sentiment.py" line="124"/>
        <source>Positive</source>
        <translation>正面</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/sentiment.py" line="125"/>
        <source>Negative</source>
        <translation>负面</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/sentiment.py" line="126"/>
        <source>Neutral</source>
        <translation>中性</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/sentiment.py" line="127"/>
        <source>Mixed</source>
        <translation>混合</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/sentiment.py" line="136"/>
        <source>Whole text</source>
        <translation>整段文本</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/sentiment.py" line="137"/>
        <source>One item per line</source>
        <translation>每行一条</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/sentiment.py" line="138"/>
        <location filename="../../app/gui/tools/sentiment.py" line="147"/>
        <source>CSV column</source>
        <translation>CSV 列</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/sentiment.py" line="140"/>
        <source>Analyse the text as a whole, or each line or CSV row on its own</source>
        <translation>将文本作为整体分析，或逐行、逐个 CSV 行分别分析</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/sentiment.py" line="143"/>
        <source>The column of the CSV file to analyse</source>
        <translation>要分析的 CSV 文件列</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/sentiment.py" line="144"/>
        <source>Analyse as</source>
        <translation>分析方式</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/sentiment.py" line="145"/>
        <source>Column</source>
        <translation>列</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/sentiment.py" line="167"/>
        <source>Result</source>
        <translation>结果</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/sentiment_views.py" line="145"/>
        <location filename="../../app/gui/tools/sentiment_views.py" line="197"/>
        <source>No analysis yet</source>
        <translation>尚未分析</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/sentiment_views.py" line="147"/>
        <source>Overall sentiment</source>
        <translation>总体情感</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/sentiment_views.py" line="150"/>
        <source>The label of the whole text</source>
        <translation>整段文本的标签</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/sentiment_views.py" line="156"/>
        <location filename="../../app/gui/tools/sentiment_views.py" line="278"/>
        <source>Confidence</source>
        <translation>置信度</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/sentiment_views.py" line="158"/>
        <source>The probability the model gave this label</source>
        <translation>模型给出此标签的概率</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/sentiment_views.py" line="166"/>
        <source>Label probabilities</source>
        <translation>各标签概率</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/sentiment_views.py" line="169"/>
        <source>Sentences</source>
        <translation>句子</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/sentiment_views.py" line="175"/>
        <source>Sentence sentiment</source>
        <translation>句子情感</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/sentiment_views.py" line="178"/>
        <source>Each sentence coloured by its sentiment</source>
        <translation>每个句子按其情感着色</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/sentiment_views.py" line="181"/>
        <source>Each sentence is shown here in its colour.</source>
        <translation>每个句子会以其对应的颜色显示在这里。</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/sentiment_views.py" line="188"/>
        <location filename="../../app/gui/tools/sentiment_views.py" line="248"/>
        <source>Aspects</source>
        <translation>方面</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/sentiment_views.py" line="251"/>
        <source>No aspects were found.</source>
        <translation>没有找到评价对象。</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/sentiment_views.py" line="266"/>
        <source>Distribution</source>
        <translation>分布</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/sentiment_views.py" line="269"/>
        <source>Results table</source>
        <translation>结果表</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/sentiment_views.py" line="271"/>
        <source>One row per item; click a heading to sort</source>
        <translation>每项一行；点击表头可排序</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/sentiment_views.py" line="275"/>
        <source>#</source>
        <translation>#</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/sentiment_views.py" line="276"/>
        <source>Text</source>
        <translation>文本</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/sentiment_views.py" line="277"/>
        <source>Label</source>
        <translation>标签</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/sentiment_views.py" line="295"/>
        <source>Export CSV…</source>
        <translation>导出 CSV…</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/sentiment.py" line="479"/>
        <location filename="../../app/gui/tools/sentiment_views.py" line="296"/>
        <source>Export CSV</source>
        <translation>导出 CSV</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/sentiment_views.py" line="298"/>
        <source>Save the table as a CSV file</source>
        <translation>将表格保存为 CSV 文件</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/sentiment.py" line="222"/>
        <source>Automatic</source>
        <translation>自动</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/sentiment.py" line="225"/>
        <source>Column {n}</source>
        <translation>第 {n} 列</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/sentiment.py" line="285"/>
        <source>The document is still being read; a moment…</source>
        <translation>文档仍在读取中，请稍候…</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/sentiment.py" line="290"/>
        <source>There are no items to analyse: put one item on each line.</source>
        <translation>没有可分析的条目：请每行放一条。</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/sentiment.py" line="304"/>
        <source>1 item — one model call</source>
        <translation>1 条 — 调用模型一次</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/sentiment.py" line="305"/>
        <source>{n} items — one model call each</source>
        <translation>{n} 条 — 每条调用模型一次</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/sentiment.py" line="401"/>
        <source>Item {i} of {k}</source>
        <translation>第 {i} 条，共 {k} 条</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/sentiment.py" line="403"/>
        <source>Step {i} of {k}</source>
        <translation>第 {i} 步，共 {k} 步</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/sentiment_views.py" line="328"/>
        <source>Error</source>
        <translation>错误</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/sentiment.py" line="436"/>
        <source>1 item</source>
        <translation>1 条</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/sentiment.py" line="436"/>
        <source>{n} items</source>
        <translation>{n} 条</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/sentiment.py" line="438"/>
        <source>1 not analysed</source>
        <translation>1 条未分析</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/sentiment.py" line="438"/>
        <source>{n} not analysed</source>
        <translation>{n} 条未分析</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/sentiment_views.py" line="212"/>
        <source>{percent} confidence</source>
        <translation>置信度 {percent}</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/sentiment_views.py" line="216"/>
        <source>confidence not available from this model</source>
        <translation>此模型无法提供置信度</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/sentiment.py" line="472"/>
        <location filename="../../app/gui/tools/sentiment.py" line="481"/>
        <source>CSV (*.csv);;All files (*)</source>
        <translation>CSV (*.csv);;所有文件 (*)</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/sentiment.py" line="473"/>
        <source>Text (*.txt);;All files (*)</source>
        <translation>文本 (*.txt);;所有文件 (*)</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/sentiment.py" line="493"/>
        <source>Saved {name}</source>
        <translation>已保存 {name}</translation>
    </message>
</context>
<context>
    <name>ServersPage</name>
    <message>
        <location filename="../../app/gui/servers_page.py" line="64"/>
        <location filename="../../app/gui/servers_page.py" line="76"/>
        <source>Servers</source>
        <translation>服务器</translation>
    </message>
    <message>
        <location filename="../../app/gui/servers_page.py" line="80"/>
        <source>Run Parley on an OpenAI-compatible server (llama.cpp&apos;s llama-server, vLLM, Ollama, LM Studio) when this computer is not enough. Keys are kept in the system keyring, never in the settings file.</source>
        <translation>当这台电脑性能不够时，可以让 Parley 在兼容 OpenAI 的服务器上运行（llama.cpp 的 llama-server、vLLM、Ollama、LM Studio）。密钥保存在系统密钥环中，绝不会写入设置文件。</translation>
    </message>
    <message>
        <location filename="../../app/gui/servers_page.py" line="92"/>
        <source>Saved servers</source>
        <translation>已保存的服务器</translation>
    </message>
    <message>
        <location filename="../../app/gui/servers_page.py" line="94"/>
        <source>Servers you have saved; choose one to edit it</source>
        <translation>已保存的服务器；选择一个即可编辑</translation>
    </message>
    <message>
        <location filename="../../app/gui/servers_page.py" line="97"/>
        <source>No servers yet. Fill in a name and an address, then Test connection and Save.</source>
        <translation>还没有服务器。填写名称和地址，然后点击“测试连接”并保存。</translation>
    </message>
    <message>
        <location filename="../../app/gui/servers_page.py" line="110"/>
        <source>Server name</source>
        <translation>服务器名称</translation>
    </message>
    <message>
        <location filename="../../app/gui/servers_page.py" line="112"/>
        <location filename="../../app/gui/servers_page.py" line="123"/>
        <source>Base URL</source>
        <translation>基础 URL</translation>
    </message>
    <message>
        <location filename="../../app/gui/servers_page.py" line="115"/>
        <location filename="../../app/gui/servers_page.py" line="124"/>
        <source>API key</source>
        <translation>API 密钥</translation>
    </message>
    <message>
        <location filename="../../app/gui/servers_page.py" line="117"/>
        <source>none</source>
        <translation>无</translation>
    </message>
    <message>
        <location filename="../../app/gui/servers_page.py" line="120"/>
        <location filename="../../app/gui/servers_page.py" line="125"/>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <location filename="../../app/gui/servers_page.py" line="121"/>
        <source>Empty: the server&apos;s first model</source>
        <translation>留空：使用服务器的第一个模型</translation>
    </message>
    <message>
        <location filename="../../app/gui/servers_page.py" line="122"/>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <location filename="../../app/gui/servers_page.py" line="127"/>
        <source>New</source>
        <translation>新建</translation>
    </message>
    <message>
        <location filename="../../app/gui/servers_page.py" line="128"/>
        <source>Save</source>
        <translation>保存</translation>
    </message>
    <message>
        <location filename="../../app/gui/servers_page.py" line="129"/>
        <source>Remove</source>
        <translation>移除</translation>
    </message>
    <message>
        <location filename="../../app/gui/servers_page.py" line="130"/>
        <source>Test connection</source>
        <translation>测试连接</translation>
    </message>
    <message>
        <location filename="../../app/gui/servers_page.py" line="136"/>
        <source>Connection result</source>
        <translation>连接结果</translation>
    </message>
    <message>
        <location filename="../../app/gui/servers_page.py" line="142"/>
        <source>Where each tool runs</source>
        <translation>各工具的运行位置</translation>
    </message>
    <message>
        <location filename="../../app/gui/servers_page.py" line="145"/>
        <source>Chat</source>
        <translation>聊天</translation>
    </message>
    <message>
        <location filename="../../app/gui/servers_page.py" line="146"/>
        <source>Summarise</source>
        <translation>摘要</translation>
    </message>
    <message>
        <location filename="../../app/gui/servers_page.py" line="147"/>
        <source>Translate</source>
        <translation>翻译</translation>
    </message>
    <message>
        <location filename="../../app/gui/servers_page.py" line="148"/>
        <source>Sentiment</source>
        <translation>情感分析</translation>
    </message>
    <message>
        <location filename="../../app/gui/servers_page.py" line="153"/>
        <source>{tool} runs on</source>
        <translation>{tool}运行于</translation>
    </message>
    <message>
        <location filename="../../app/gui/servers_page.py" line="161"/>
        <source>Changes take effect from the tool&apos;s next run. Each pane&apos;s model picker shows and changes the same choice; tools on the same model share one engine, and the parley command follows these choices too.</source>
        <translation>更改从该工具下次运行起生效。每个窗格的模型选择器显示并修改同一个选择；使用同一模型的工具共用一个引擎，parley 命令也遵循这些选择。</translation>
    </message>
    <message>
        <location filename="../../app/gui/servers_page.py" line="190"/>
        <source>This computer</source>
        <translation>这台电脑</translation>
    </message>
    <message>
        <location filename="../../app/gui/servers_page.py" line="236"/>
        <source>Not saved: {error}</source>
        <translation>未保存：{error}</translation>
    </message>
    <message>
        <location filename="../../app/gui/servers_page.py" line="246"/>
        <source>Saved. No system keyring is available, so the API key is kept only until Parley closes; set {variable} in the environment to keep it.</source>
        <translation>已保存。系统没有可用的密钥环，因此 API 密钥只保留到 Parley 关闭为止；如需长期保存，请在环境中设置 {variable}。</translation>
    </message>
    <message>
        <location filename="../../app/gui/servers_page.py" line="251"/>
        <source>Saved.</source>
        <translation>已保存。</translation>
    </message>
    <message>
        <location filename="../../app/gui/servers_page.py" line="260"/>
        <source>Removed.</source>
        <translation>已移除。</translation>
    </message>
    <message>
        <location filename="../../app/gui/servers_page.py" line="286"/>
        <source>Enter the server&apos;s base URL first.</source>
        <translation>请先输入服务器的基础 URL。</translation>
    </message>
    <message>
        <location filename="../../app/gui/servers_page.py" line="290"/>
        <source>Connecting…</source>
        <translation>正在连接…</translation>
    </message>
    <message>
        <location filename="../../app/gui/servers_page.py" line="304"/>
        <source>Connected to {host}: model {model} ({count} available).</source>
        <translation>已连接到 {host}：模型 {model}（共 {count} 个可用）。</translation>
    </message>
    <message>
        <location filename="../../app/gui/servers_page.py" line="311"/>
        <source>It serves {n} requests at once, so a long job sends its parts together.</source>
        <translation>该服务器可同时处理 {n} 个请求，长任务的各部分会一起发送。</translation>
    </message>
    <message>
        <location filename="../../app/gui/servers_page.py" line="320"/>
        <source>Connection failed: {error}</source>
        <translation>连接失败：{error}</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <location filename="../../app/gui/settings_dialog.py" line="88"/>
        <source>Enter a full path, for example one chosen with Browse….</source>
        <translation>请输入完整路径，例如用“浏览…”选择的路径。</translation>
    </message>
    <message>
        <location filename="../../app/gui/settings_dialog.py" line="92"/>
        <source>This is a folder; add a file name such as history.sqlite3.</source>
        <translation>这是一个文件夹；请加上文件名，例如 history.sqlite3。</translation>
    </message>
    <message>
        <location filename="../../app/gui/settings_dialog.py" line="99"/>
        <source>The folder for this file cannot be created.</source>
        <translation>无法创建此文件所在的文件夹。</translation>
    </message>
    <message>
        <location filename="../../app/gui/settings_dialog.py" line="112"/>
        <location filename="../../app/gui/settings_dialog.py" line="113"/>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <location filename="../../app/gui/settings_dialog.py" line="129"/>
        <source>Settings problem</source>
        <translation>设置问题</translation>
    </message>
    <message>
        <location filename="../../app/gui/settings_dialog.py" line="139"/>
        <location filename="../../app/gui/settings_dialog.py" line="140"/>
        <source>OK</source>
        <translation>确定</translation>
    </message>
    <message>
        <location filename="../../app/gui/settings_dialog.py" line="141"/>
        <source>Save the settings, apply them and close</source>
        <translation>保存设置、应用并关闭</translation>
    </message>
    <message>
        <location filename="../../app/gui/settings_dialog.py" line="143"/>
        <location filename="../../app/gui/settings_dialog.py" line="144"/>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <location filename="../../app/gui/settings_dialog.py" line="145"/>
        <source>Close without saving the changes not yet applied</source>
        <translation>关闭，不保存尚未应用的更改</translation>
    </message>
    <message>
        <location filename="../../app/gui/settings_dialog.py" line="147"/>
        <location filename="../../app/gui/settings_dialog.py" line="148"/>
        <source>Apply</source>
        <translation>应用</translation>
    </message>
    <message>
        <location filename="../../app/gui/settings_dialog.py" line="149"/>
        <source>Save the settings and apply them now</source>
        <translation>保存设置并立即应用</translation>
    </message>
    <message>
        <location filename="../../app/gui/settings_dialog.py" line="169"/>
        <source>Language and appearance</source>
        <translation>语言和外观</translation>
    </message>
    <message>
        <location filename="../../app/gui/settings_dialog.py" line="172"/>
        <source>Language</source>
        <translation>语言</translation>
    </message>
    <message>
        <location filename="../../app/gui/settings_dialog.py" line="173"/>
        <source>The language of Parley&apos;s menus, buttons and messages</source>
        <translation>Parley 菜单、按钮和消息使用的语言</translation>
    </message>
    <message>
        <location filename="../../app/gui/settings_dialog.py" line="175"/>
        <location filename="../../app/gui/settings_dialog.py" line="185"/>
        <source>Same as the system</source>
        <translation>跟随系统</translation>
    </message>
    <message>
        <location filename="../../app/gui/settings_dialog.py" line="177"/>
        <source>Language:</source>
        <translation>语言：</translation>
    </message>
    <message>
        <location filename="../../app/gui/settings_dialog.py" line="178"/>
        <source>Takes effect after Parley restarts.</source>
        <translation>重启 Parley 后生效。</translation>
    </message>
    <message>
        <location filename="../../app/gui/settings_dialog.py" line="179"/>
        <source>Language note</source>
        <translation>语言说明</translation>
    </message>
    <message>
        <location filename="../../app/gui/settings_dialog.py" line="182"/>
        <source>Theme</source>
        <translation>主题</translation>
    </message>
    <message>
        <location filename="../../app/gui/settings_dialog.py" line="183"/>
        <source>Light or dark colours, or follow the system</source>
        <translation>浅色或深色，或跟随系统</translation>
    </message>
    <message>
        <location filename="../../app/gui/settings_dialog.py" line="186"/>
        <source>Light</source>
        <translation>浅色</translation>
    </message>
    <message>
        <location filename="../../app/gui/settings_dialog.py" line="187"/>
        <source>Dark</source>
        <translation>深色</translation>
    </message>
    <message>
        <location filename="../../app/gui/settings_dialog.py" line="190"/>
        <source>Theme:</source>
        <translation>主题：</translation>
    </message>
    <message>
        <location filename="../../app/gui/settings_dialog.py" line="192"/>
        <source>Font size</source>
        <translation>字号</translation>
    </message>
    <message>
        <location filename="../../app/gui/settings_dialog.py" line="193"/>
        <source>Text size in points for the whole app</source>
        <translation>整个应用的文字大小（磅）</translation>
    </message>
    <message>
        <location filename="../../app/gui/settings_dialog.py" line="195"/>
        <source>System default</source>
        <translation>系统默认</translation>
    </message>
    <message>
        <location filename="../../app/gui/settings_dialog.py" line="196"/>
        <source> pt</source>
        <translation> 磅</translation>
    </message>
    <message>
        <location filename="../../app/gui/settings_dialog.py" line="197"/>
        <source>Font size:</source>
        <translation>字号：</translation>
    </message>
    <message>
        <location filename="../../app/gui/settings_dialog.py" line="201"/>
        <source>Default models</source>
        <translation>默认模型</translation>
    </message>
    <message>
        <location filename="../../app/gui/settings_dialog.py" line="204"/>
        <source>Chat:</source>
        <translation>聊天：</translation>
    </message>
    <message>
        <location filename="../../app/gui/settings_dialog.py" line="205"/>
        <source>Summarise:</source>
        <translation>摘要：</translation>
    </message>
    <message>
        <location filename="../../app/gui/settings_dialog.py" line="206"/>
        <source>Translate:</source>
        <translation>翻译：</translation>
    </message>
    <message>
        <location filename="../../app/gui/settings_dialog.py" line="207"/>
        <source>Sentiment:</source>
        <translation>情感分析：</translation>
    </message>
    <message>
        <location filename="../../app/gui/settings_dialog.py" line="210"/>
        <source>Default model for Chat</source>
        <translation>聊天的默认模型</translation>
    </message>
    <message>
        <location filename="../../app/gui/settings_dialog.py" line="211"/>
        <source>Default model for Summarise</source>
        <translation>摘要的默认模型</translation>
    </message>
    <message>
        <location filename="../../app/gui/settings_dialog.py" line="212"/>
        <source>Default model for Translate</source>
        <translation>翻译的默认模型</translation>
    </message>
    <message>
        <location filename="../../app/gui/settings_dialog.py" line="213"/>
        <source>Default model for Sentiment</source>
        <translation>情感分析的默认模型</translation>
    </message>
    <message>
        <location filename="../../app/gui/settings_dialog.py" line="219"/>
        <source>The model this tool uses; download more on the Models page</source>
        <translation>此工具使用的模型；可在“模型”页下载更多模型</translation>
    </message>
    <message>
        <location filename="../../app/gui/settings_dialog.py" line="231"/>
        <source>Models for this session</source>
        <translation>本次会话的模型</translation>
    </message>
    <message>
        <location filename="../../app/gui/settings_dialog.py" line="237"/>
        <source>This session, {tools} run on {model}, given when Parley was started; the defaults above apply again from the next start, or once you pick another model in a pane.</source>
        <translation>本次会话中，{tools}使用启动 Parley 时指定的 {model}；上面的默认模型将在下次启动时，或在某个面板中选择其他模型后重新生效。</translation>
    </message>
    <message>
        <location filename="../../app/gui/settings_dialog.py" line="251"/>
        <source>Engine</source>
        <translation>引擎</translation>
    </message>
    <message>
        <location filename="../../app/gui/settings_dialog.py" line="254"/>
        <source>Threads</source>
        <translation>线程数</translation>
    </message>
    <message>
        <location filename="../../app/gui/settings_dialog.py" line="256"/>
        <source>CPU threads the model uses; Automatic uses all of them ({n} here)</source>
        <translation>模型使用的 CPU 线程数；“自动”会使用全部线程（本机为 {n} 个）</translation>
    </message>
    <message>
        <location filename="../../app/gui/settings_dialog.py" line="261"/>
        <location filename="../../app/gui/settings_dialog.py" line="279"/>
        <source>Automatic</source>
        <translation>自动</translation>
    </message>
    <message>
        <location filename="../../app/gui/settings_dialog.py" line="262"/>
        <source>Threads:</source>
        <translation>线程数：</translation>
    </message>
    <message>
        <location filename="../../app/gui/settings_dialog.py" line="264"/>
        <source>Context length</source>
        <translation>上下文长度</translation>
    </message>
    <message>
        <location filename="../../app/gui/settings_dialog.py" line="267"/>
        <source>How many tokens of conversation the model can read at once; longer needs more memory</source>
        <translation>模型一次能读取多少词元的对话；越长需要的内存越多</translation>
    </message>
    <message>
        <location filename="../../app/gui/settings_dialog.py" line="273"/>
        <source> tokens</source>
        <translation> 词元</translation>
    </message>
    <message>
        <location filename="../../app/gui/settings_dialog.py" line="274"/>
        <source>Context length:</source>
        <translation>上下文长度：</translation>
    </message>
    <message>
        <location filename="../../app/gui/settings_dialog.py" line="277"/>
        <source>GPU offload</source>
        <translation>GPU 加速</translation>
    </message>
    <message>
        <location filename="../../app/gui/settings_dialog.py" line="278"/>
        <source>Where the model&apos;s layers run</source>
        <translation>模型各层在哪里运行</translation>
    </message>
    <message>
        <location filename="../../app/gui/settings_dialog.py" line="280"/>
        <source>Number of layers</source>
        <translation>指定层数</translation>
    </message>
    <message>
        <location filename="../../app/gui/settings_dialog.py" line="281"/>
        <source>CPU only</source>
        <translation>仅 CPU</translation>
    </message>
    <message>
        <location filename="../../app/gui/settings_dialog.py" line="283"/>
        <source>GPU layers</source>
        <translation>GPU 层数</translation>
    </message>
    <message>
        <location filename="../../app/gui/settings_dialog.py" line="284"/>
        <source>How many of the model&apos;s layers to put on the GPU</source>
        <translation>要放到 GPU 上的模型层数</translation>
    </message>
    <message>
        <location filename="../../app/gui/settings_dialog.py" line="289"/>
        <source>GPU offload:</source>
        <translation>GPU 加速：</translation>
    </message>
    <message>
        <location filename="../../app/gui/settings_dialog.py" line="292"/>
        <source>Changes here reload the model; a reply being written ends first.</source>
        <translation>此处的更改会重新加载模型；正在生成的回复会先完成。</translation>
    </message>
    <message>
        <location filename="../../app/gui/settings_dialog.py" line="297"/>
        <source>History</source>
        <translation>历史记录</translation>
    </message>
    <message>
        <location filename="../../app/gui/settings_dialog.py" line="301"/>
        <location filename="../../app/gui/settings_dialog.py" line="503"/>
        <source>History location</source>
        <translation>历史记录位置</translation>
    </message>
    <message>
        <location filename="../../app/gui/settings_dialog.py" line="303"/>
        <source>The file that keeps your conversations; empty means the standard place</source>
        <translation>保存对话的文件；留空表示使用默认位置</translation>
    </message>
    <message>
        <location filename="../../app/gui/settings_dialog.py" line="307"/>
        <source>Browse…</source>
        <translation>浏览…</translation>
    </message>
    <message>
        <location filename="../../app/gui/settings_dialog.py" line="308"/>
        <source>Browse for history location</source>
        <translation>浏览历史记录位置</translation>
    </message>
    <message>
        <location filename="../../app/gui/settings_dialog.py" line="309"/>
        <source>Choose where the history file is kept</source>
        <translation>选择历史记录文件的存放位置</translation>
    </message>
    <message>
        <location filename="../../app/gui/settings_dialog.py" line="315"/>
        <source>Takes effect after Parley restarts. An existing file there is opened; otherwise a new, empty history starts.</source>
        <translation>重启 Parley 后生效。若该位置已有文件则打开它，否则将开始一份新的空白历史记录。</translation>
    </message>
    <message>
        <location filename="../../app/gui/settings_dialog.py" line="321"/>
        <source>Delete all history…</source>
        <translation>删除全部历史记录…</translation>
    </message>
    <message>
        <location filename="../../app/gui/settings_dialog.py" line="322"/>
        <location filename="../../app/gui/settings_dialog.py" line="522"/>
        <source>Delete all history</source>
        <translation>删除全部历史记录</translation>
    </message>
    <message>
        <location filename="../../app/gui/settings_dialog.py" line="324"/>
        <source>Delete every conversation and text-tool result for good (asks first)</source>
        <translation>永久删除所有对话和文本工具结果（会先询问）</translation>
    </message>
    <message>
        <location filename="../../app/gui/settings_dialog.py" line="348"/>
        <source>Built-in starter model ({name})</source>
        <translation>内置入门模型（{name}）</translation>
    </message>
    <message>
        <location filename="../../app/gui/settings_dialog.py" line="350"/>
        <source>Built-in starter model</source>
        <translation>内置入门模型</translation>
    </message>
    <message>
        <location filename="../../app/gui/settings_dialog.py" line="369"/>
        <source>{model} (not installed)</source>
        <translation>{model}（未安装）</translation>
    </message>
    <message>
        <location filename="../../app/gui/settings_dialog.py" line="439"/>
        <source>The settings could not be saved: {error}</source>
        <translation>无法保存设置：{error}</translation>
    </message>
    <message>
        <location filename="../../app/gui/settings_dialog.py" line="487"/>
        <source>Restart Parley?</source>
        <translation>要重新启动 Parley 吗？</translation>
    </message>
    <message>
        <location filename="../../app/gui/settings_dialog.py" line="488"/>
        <source>The new language or history location is used after a restart.</source>
        <translation>新的语言或历史记录位置将在重新启动后生效。</translation>
    </message>
    <message>
        <location filename="../../app/gui/settings_dialog.py" line="489"/>
        <source>Restart now</source>
        <translation>立即重新启动</translation>
    </message>
    <message>
        <location filename="../../app/gui/settings_dialog.py" line="490"/>
        <source>Later</source>
        <translation>稍后</translation>
    </message>
    <message>
        <location filename="../../app/gui/settings_dialog.py" line="505"/>
        <source>Parley history (*.sqlite3);;All files (*)</source>
        <translation>Parley 历史记录 (*.sqlite3);;所有文件 (*)</translation>
    </message>
    <message>
        <location filename="../../app/gui/settings_dialog.py" line="516"/>
        <source>The history is not open yet; try again in a moment.</source>
        <translation>历史记录尚未打开，请稍后再试。</translation>
    </message>
    <message>
        <location filename="../../app/gui/settings_dialog.py" line="519"/>
        <source>Stop the reply being written, then delete the history.</source>
        <translation>请先停止正在生成的回复，再删除历史记录。</translation>
    </message>
    <message>
        <location filename="../../app/gui/settings_dialog.py" line="524"/>
        <source>Delete every conversation and every text-tool result for good? This cannot be undone.</source>
        <translation>要永久删除所有对话和所有文本工具结果吗？此操作无法撤销。</translation>
    </message>
    <message>
        <location filename="../../app/gui/settings_dialog.py" line="535"/>
        <source>The history could not be deleted: {error}</source>
        <translation>无法删除历史记录：{error}</translation>
    </message>
    <message>
        <location filename="../../app/gui/settings_dialog.py" line="541"/>
        <source>History deleted ({count} conversations).</source>
        <translation>历史记录已删除（{count} 个对话）。</translation>
    </message>
    <message>
        <location filename="../../app/gui/settings_dialog.py" line="547"/>
        <source>Delete everything</source>
        <translation>全部删除</translation>
    </message>
    <message>
        <location filename="../../app/gui/settings_dialog.py" line="548"/>
        <source>Keep my history</source>
        <translation>保留我的历史记录</translation>
    </message>
</context>
<context>
    <name>Shortcuts</name>
    <message>
        <location filename="../../app/gui/actions.py" line="182"/>
        <source>Go to {section}</source>
        <translation>前往{section}</translation>
    </message>
    <message>
        <location filename="../../app/gui/actions.py" line="46"/>
        <source>Open Settings</source>
        <translation>打开设置</translation>
    </message>
    <message>
        <location filename="../../app/gui/actions.py" line="93"/>
        <source>Show this list of shortcuts</source>
        <translation>显示此快捷键列表</translation>
    </message>
    <message>
        <location filename="../../app/gui/actions.py" line="57"/>
        <source>Quit Parley</source>
        <translation>退出 Parley</translation>
    </message>
    <message>
        <location filename="../../app/gui/actions.py" line="111"/>
        <source>Chat: new conversation</source>
        <translation>聊天：新对话</translation>
    </message>
    <message>
        <location filename="../../app/gui/actions.py" line="112"/>
        <source>Chat: search conversations</source>
        <translation>聊天：搜索对话</translation>
    </message>
    <message>
        <location filename="../../app/gui/actions.py" line="114"/>
        <source>Enter</source>
        <translation>Enter</translation>
    </message>
    <message>
        <location filename="../../app/gui/actions.py" line="115"/>
        <source>Chat: send the message</source>
        <translation>聊天：发送消息</translation>
    </message>
    <message>
        <location filename="../../app/gui/actions.py" line="119"/>
        <source>Shift+Enter</source>
        <translation>Shift+Enter</translation>
    </message>
    <message>
        <location filename="../../app/gui/actions.py" line="120"/>
        <source>Chat: new line in the message</source>
        <translation>聊天：在消息中换行</translation>
    </message>
    <message>
        <location filename="../../app/gui/actions.py" line="124"/>
        <source>Esc</source>
        <translation>Esc</translation>
    </message>
    <message>
        <location filename="../../app/gui/actions.py" line="126"/>
        <source>Chat: stop the reply being written, or clear the search</source>
        <translation>聊天：停止正在生成的回复，或清除搜索</translation>
    </message>
    <message>
        <location filename="../../app/gui/actions.py" line="132"/>
        <source>Chat: rename the conversation</source>
        <translation>聊天：重命名对话</translation>
    </message>
    <message>
        <location filename="../../app/gui/actions.py" line="134"/>
        <source>Delete</source>
        <translation>Delete</translation>
    </message>
    <message>
        <location filename="../../app/gui/actions.py" line="135"/>
        <source>Chat: delete the selected conversation</source>
        <translation>聊天：删除所选对话</translation>
    </message>
    <message>
        <location filename="../../app/gui/actions.py" line="139"/>
        <source>Tab / Shift+Tab</source>
        <translation>Tab / Shift+Tab</translation>
    </message>
    <message>
        <location filename="../../app/gui/actions.py" line="140"/>
        <source>Move between controls</source>
        <translation>在控件之间移动</translation>
    </message>
    <message>
        <location filename="../../app/gui/actions.py" line="144"/>
        <source>Alt + underlined letter</source>
        <translation>Alt + 带下划线的字母</translation>
    </message>
    <message>
        <location filename="../../app/gui/actions.py" line="145"/>
        <source>Open a menu</source>
        <translation>打开菜单</translation>
    </message>
</context>
<context>
    <name>ShortcutsSheet</name>
    <message>
        <location filename="../../app/gui/shortcuts.py" line="25"/>
        <location filename="../../app/gui/shortcuts.py" line="26"/>
        <source>Keyboard shortcuts</source>
        <translation>键盘快捷键</translation>
    </message>
    <message>
        <location filename="../../app/gui/shortcuts.py" line="29"/>
        <source>Every action in Parley can be reached from the keyboard.</source>
        <translation>Parley 中的每个操作都可以用键盘完成。</translation>
    </message>
    <message>
        <location filename="../../app/gui/shortcuts.py" line="34"/>
        <source>Shortcuts</source>
        <translation>快捷键</translation>
    </message>
    <message>
        <location filename="../../app/gui/shortcuts.py" line="35"/>
        <source>Keys on the left, what they do on the right</source>
        <translation>左边是按键，右边是对应的操作</translation>
    </message>
    <message>
        <location filename="../../app/gui/shortcuts.py" line="36"/>
        <source>Keys</source>
        <translation>按键</translation>
    </message>
    <message>
        <location filename="../../app/gui/shortcuts.py" line="36"/>
        <source>Action</source>
        <translation>操作</translation>
    </message>
    <message>
        <location filename="../../app/gui/shortcuts.py" line="51"/>
        <location filename="../../app/gui/shortcuts.py" line="52"/>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <location filename="../../app/gui/shortcuts.py" line="53"/>
        <source>Close this list</source>
        <translation>关闭此列表</translation>
    </message>
</context>
<context>
    <name>Sidebar</name>
    <message>
        <location filename="../../app/gui/sidebar.py" line="23"/>
        <source>Parley</source>
        <translation>Parley</translation>
    </message>
</context>
<context>
    <name>SummarisePane</name>
    <message>
        <location filename="../../app/gui/tools/summarise.py" line="43"/>
        <source>Summarise</source>
        <translation>摘要</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/summarise.py" line="45"/>
        <source>Every part of the document is read: long text is summarised part by part, then the notes are combined.</source>
        <translation>文档的每一部分都会被读取：长文本先逐段摘要，再将要点合并。</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/summarise.py" line="48"/>
        <source>Summarise document</source>
        <translation>摘要文档</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/summarise.py" line="50"/>
        <source>Paste or type the text to summarise, or drop a file here (.txt, .md, .html, .pdf, .docx).</source>
        <translation>粘贴或输入要摘要的文本，或将文件拖到这里（.txt、.md、.html、.pdf、.docx）。</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/summarise.py" line="63"/>
        <source>Short</source>
        <translation>短</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/summarise.py" line="63"/>
        <source>Medium</source>
        <translation>中</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/summarise.py" line="63"/>
        <source>Long</source>
        <translation>长</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/summarise.py" line="67"/>
        <source>How long the summary should be</source>
        <translation>摘要的长度</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/summarise.py" line="70"/>
        <source>Key points</source>
        <translation>要点</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/summarise.py" line="71"/>
        <source>Paragraph</source>
        <translation>段落</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/summarise.py" line="72"/>
        <source>TL;DR</source>
        <translation>一句话概括</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/summarise.py" line="73"/>
        <source>Headline</source>
        <translation>标题</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/summarise.py" line="80"/>
        <source>The form of the summary</source>
        <translation>摘要的形式</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/summarise.py" line="82"/>
        <source>Same as the document</source>
        <translation>与文档相同</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/summarise.py" line="87"/>
        <source>The language to write the summary in</source>
        <translation>摘要使用的语言</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/summarise.py" line="88"/>
        <source>Summary length</source>
        <translation>摘要长度</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/summarise.py" line="89"/>
        <source>Summary style</source>
        <translation>摘要风格</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/summarise.py" line="90"/>
        <source>Summary language</source>
        <translation>摘要语言</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/summarise.py" line="108"/>
        <source>Result</source>
        <translation>结果</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/summarise.py" line="109"/>
        <source>The summary</source>
        <translation>摘要</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/summarise.py" line="111"/>
        <source>The summary appears here as it is written.</source>
        <translation>摘要会在生成时显示在这里。</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/summarise.py" line="113"/>
        <source>Notes</source>
        <translation>笔记</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/summarise.py" line="114"/>
        <source>The notes taken on each part, which the summary combines</source>
        <translation>对每个部分所做的笔记，摘要由它们合并而成</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/summarise.py" line="222"/>
        <source>Writing the summary…</source>
        <translation>正在撰写摘要…</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/summarise.py" line="234"/>
        <location filename="../../app/gui/tools/summarise.py" line="238"/>
        <location filename="../../app/gui/tools/summarise.py" line="241"/>
        <location filename="../../app/gui/tools/summarise.py" line="330"/>
        <location filename="../../app/gui/tools/summarise.py" line="333"/>
        <source>Part {i} of {k}</source>
        <translation>第 {i} 部分，共 {k} 部分</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/summarise.py" line="245"/>
        <source>Reading the notes to write the summary…</source>
        <translation>正在阅读笔记以撰写摘要…</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/summarise.py" line="249"/>
        <source>Combining notes {i} of {k}</source>
        <translation>正在合并要点 {i} / {k}</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/summarise.py" line="287"/>
        <source>Stopped. What was written so far is kept.</source>
        <translation>已停止。已写出的内容会保留。</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/summarise.py" line="291"/>
        <source>The summary was cut off at the length limit, so it may end mid-sentence. Choose a longer length, or a shorter style, and summarise again.</source>
        <translation>摘要在长度上限处被截断，可能停在句子中间。请选择更长的长度或更简短的样式，然后重新摘要。</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/summarise.py" line="301"/>
        <source>The summary copied the document instead of summarising it; asking again for one in the model&apos;s own words.</source>
        <translation>摘要照抄了文档而没有概括；正在重新要求模型用自己的话来写。</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/summarise.py" line="304"/>
        <source>The summary ran past the length limit; asking again for a shorter one.</source>
        <translation>摘要超出了长度上限；正在重新要求一个更短的摘要。</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/summarise.py" line="314"/>
        <source>read {read} of {total} tokens in 1 part</source>
        <translation>已读取 {total} 词元中的 {read} 个，共 1 部分</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/summarise.py" line="315"/>
        <source>read {read} of {total} tokens in {n} parts</source>
        <translation>已读取 {total} 词元中的 {read} 个，共 {n} 部分</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/summarise.py" line="319"/>
        <source> · {seconds:.0f} s</source>
        <translation> · {seconds:.0f} 秒</translation>
    </message>
</context>
<context>
    <name>ToolPane</name>
    <message>
        <location filename="../../app/gui/tools/pane.py" line="141"/>
        <source>Result</source>
        <translation>结果</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/pane.py" line="236"/>
        <source>The document is still being read; a moment…</source>
        <translation>文档仍在读取中，请稍候…</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/pane.py" line="245"/>
        <source>There is no text to work on yet. Type or paste text, drop a file here, or choose Open…</source>
        <translation>还没有可处理的文本。请输入或粘贴文本、将文件拖到这里，或选择“打开…”</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/pane.py" line="304"/>
        <source>{chars} characters — the parts are worked out when you start</source>
        <translation>{chars} 个字符 — 开始时会计算分段</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/pane.py" line="336"/>
        <source>{tokens} tokens — the model reads {budget} at a time — 1 part</source>
        <translation>{tokens} 词元 — 模型每次读取 {budget} — 共 1 部分</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/pane.py" line="337"/>
        <source>{tokens} tokens — the model reads {budget} at a time — {n} parts</source>
        <translation>{tokens} 词元 — 模型每次读取 {budget} — 共 {n} 部分</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/pane.py" line="348"/>
        <source>The history is still opening; a moment…</source>
        <translation>历史记录仍在打开，请稍候…</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/pane.py" line="357"/>
        <source>Loading {model}…</source>
        <translation>正在加载 {model}…</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/pane.py" line="367"/>
        <source>No model is loaded yet. Wait for it to finish loading, or choose one on the Models page.</source>
        <translation>模型尚未加载。请等待加载完成，或在“模型”页选择一个模型。</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/pane.py" line="390"/>
        <source>The run could not be saved, so it was not started: {error}</source>
        <translation>无法保存此次运行，因此没有开始：{error}</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/pane.py" line="474"/>
        <source>{tool} is done; the result is ready.</source>
        <translation>{tool}已完成，结果已就绪。</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/pane.py" line="476"/>
        <source>{tool} stopped; what was done is kept.</source>
        <translation>{tool}已停止，已完成的部分已保留。</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/pane.py" line="478"/>
        <source>{tool} failed: {error}</source>
        <translation>{tool}失败：{error}</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/pane.py" line="496"/>
        <source>The result could not be saved: {error}</source>
        <translation>无法保存结果：{error}</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/pane.py" line="505"/>
        <source>Stop the running job before opening another run.</source>
        <translation>请先停止正在运行的任务，再打开其他运行记录。</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/pane.py" line="516"/>
        <source>This run no longer exists.</source>
        <translation>此运行记录已不存在。</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/pane.py" line="535"/>
        <source>Delete run</source>
        <translation>删除运行记录</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/pane.py" line="535"/>
        <source>Delete this saved run? This cannot be undone.</source>
        <translation>要删除这条已保存的运行记录吗？此操作无法撤销。</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/pane_model.py" line="102"/>
        <source>{model} could not be loaded: {error}</source>
        <translation>无法加载 {model}：{error}</translation>
    </message>
</context>
<context>
    <name>ToolStatus</name>
    <message>
        <location filename="../../app/gui/tools/runs.py" line="45"/>
        <source>Complete</source>
        <translation>已完成</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/runs.py" line="46"/>
        <source>Stopped</source>
        <translation>已停止</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/runs.py" line="47"/>
        <source>Failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/runs.py" line="48"/>
        <source>Interrupted</source>
        <translation>已中断</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/runs.py" line="49"/>
        <source>Running</source>
        <translation>运行中</translation>
    </message>
</context>
<context>
    <name>TranslateNotes</name>
    <message>
        <location filename="../../app/gui/tools/long_jobs.py" line="336"/>
        <source>Paragraph {segment}: the model dropped {what}; it was put back at the end.</source>
        <translation>第 {segment} 段：模型漏掉了 {what}，已补回到段末。</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/long_jobs.py" line="340"/>
        <source>Paragraph {segment}: the glossary asks for “{term}” → “{wanted}”, but the translation does not use it.</source>
        <translation>第 {segment} 段：术语表要求“{term}”→“{wanted}”，但译文没有使用。</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/long_jobs.py" line="345"/>
        <source>Paragraph {segment}: the number(s) {numbers} of the source are not in the translation; check it.</source>
        <translation>第 {segment} 段：原文中的数字 {numbers} 不在译文里，请检查。</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/long_jobs.py" line="350"/>
        <source>Paragraph {segment} may not be translated: the model answered in the source&apos;s language twice. Check it, or try a larger model.</source>
        <translation>第 {segment} 段可能没有翻译：模型两次都用原文的语言作答。请检查，或换用更大的模型。</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/long_jobs.py" line="355"/>
        <source>Paragraph {segment} was left untranslated: the model repeated its instructions instead of translating it. Try a larger model.</source>
        <translation>第 {segment} 段保留了原文：模型重复了指令而没有翻译。请换用更大的模型。</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/long_jobs.py" line="360"/>
        <source>Paragraph {segment} was left untranslated: the model gave no translation for it.</source>
        <translation>第 {segment} 段保留了原文：模型没有给出译文。</translation>
    </message>
</context>
<context>
    <name>TranslatePane</name>
    <message>
        <location filename="../../app/gui/tools/translate.py" line="122"/>
        <source>Translate</source>
        <translation>翻译</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/translate.py" line="124"/>
        <source>Paragraphs, headings, lists, links and code blocks stay in place; code and links are never sent to the model.</source>
        <translation>段落、标题、列表、链接和代码块保持原位；代码和链接不会发送给模型。</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/translate.py" line="127"/>
        <source>Translate document</source>
        <translation>翻译文档</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/translate.py" line="129"/>
        <source>Paste or type the text to translate, or drop a file here (.txt, .md, .html, .pdf, .docx).</source>
        <translation>粘贴或输入要翻译的文本，或将文件拖到这里（.txt、.md、.html、.pdf、.docx）。</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/translate.py" line="145"/>
        <source>Detect automatically</source>
        <translation>自动检测</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/translate.py" line="158"/>
        <source>The language of the document</source>
        <translation>文档的语言</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/translate.py" line="159"/>
        <source>The language to translate into</source>
        <translation>要翻译成的语言</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/translate.py" line="162"/>
        <source>Swap languages</source>
        <translation>交换语言</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/translate.py" line="163"/>
        <source>Swap the source and target languages</source>
        <translation>交换源语言和目标语言</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/translate.py" line="166"/>
        <source>Default</source>
        <translation>默认</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/translate.py" line="167"/>
        <source>Formal</source>
        <translation>正式</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/translate.py" line="168"/>
        <source>Informal</source>
        <translation>非正式</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/translate.py" line="169"/>
        <source>Formal or informal address, where the language has both</source>
        <translation>在有敬语区分的语言中使用正式或非正式的称呼</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/translate.py" line="171"/>
        <source>Glossary</source>
        <translation>术语表</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/translate.py" line="172"/>
        <source>Terms that must be translated a fixed way</source>
        <translation>必须以固定方式翻译的术语</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/translate.py" line="176"/>
        <source>Source language</source>
        <translation>源语言</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/translate.py" line="176"/>
        <source>From</source>
        <translation>源语言</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/translate.py" line="179"/>
        <source>Target language</source>
        <translation>目标语言</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/translate.py" line="179"/>
        <source>To</source>
        <translation>目标语言</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/translate.py" line="180"/>
        <source>Tone</source>
        <translation>语气</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/translate.py" line="185"/>
        <source>Detected language</source>
        <translation>检测到的语言</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/translate.py" line="186"/>
        <source>The language the document seems to be in</source>
        <translation>文档看起来使用的语言</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/translate.py" line="207"/>
        <source>Result</source>
        <translation>结果</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/translate.py" line="209"/>
        <source>The source and its translation side by side, paragraph by paragraph</source>
        <translation>原文与译文逐段并排显示</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/translate.py" line="212"/>
        <source>The translation appears here beside its source, paragraph by paragraph.</source>
        <translation>译文会逐段显示在原文旁边。</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/translate.py" line="216"/>
        <source>Retries</source>
        <translation>重试</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/translate.py" line="217"/>
        <source>Lines the model got wrong and was asked again</source>
        <translation>模型译错并被要求重译的行</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/translate.py" line="271"/>
        <source>The source language is not known yet; choose it first, then swap.</source>
        <translation>尚不知道源语言；请先选择源语言，再交换。</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/translate.py" line="280"/>
        <source>Glossary (1)</source>
        <translation>术语表（1）</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/translate.py" line="280"/>
        <source>Glossary ({n})</source>
        <translation>术语表（{n}）</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/translate.py" line="282"/>
        <source>Glossary…</source>
        <translation>术语表…</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/translate.py" line="294"/>
        <source>Glossary lines {lines} are not “term = translation” and are ignored.</source>
        <translation>术语表第 {lines} 行不是“术语 = 译文”格式，已忽略。</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/translate.py" line="339"/>
        <source>Language not detected</source>
        <translation>未检测到语言</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/translate.py" line="343"/>
        <source>Detected: {language} ({percent:.0f}%)</source>
        <translation>检测到：{language}（{percent:.0f}%）</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/translate.py" line="447"/>
        <source>Part {i} of {k}</source>
        <translation>第 {i} 部分，共 {k} 部分</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/translate.py" line="504"/>
        <source>1 more paragraph to translate</source>
        <translation>还有 1 个段落待翻译</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/translate.py" line="505"/>
        <source>{n} more paragraphs to translate</source>
        <translation>还有 {n} 个段落待翻译</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/translate.py" line="543"/>
        <source>1 note on the translation: {first}</source>
        <translation>1 条翻译说明：{first}</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/translate.py" line="544"/>
        <source>{n} notes on the translation; the first: {first}</source>
        <translation>{n} 条翻译说明；第一条：{first}</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/translate.py" line="547"/>
        <location filename="../../app/gui/tools/translate.py" line="575"/>
        <source>{source} → {target}</source>
        <translation>{source} → {target}</translation>
    </message>
    <message>
        <location filename="../../app/gui/tools/translate.py" line="554"/>
        <source>Stopped. The paragraphs translated so far are kept.</source>
        <translation>已停止。已翻译的段落会保留。</translation>
    </message>
</context>
<context>
    <name>WelcomePage</name>
    <message>
        <location filename="../../app/gui/welcome.py" line="123"/>
        <source>+{n} more</source>
        <translation>等另外 {n} 种</translation>
    </message>
    <message>
        <location filename="../../app/gui/welcome.py" line="130"/>
        <source>runs on the GPU</source>
        <translation>在 GPU 上运行</translation>
    </message>
    <message>
        <location filename="../../app/gui/welcome.py" line="131"/>
        <source>runs partly on the GPU</source>
        <translation>部分在 GPU 上运行</translation>
    </message>
    <message>
        <location filename="../../app/gui/welcome.py" line="132"/>
        <source>runs on the CPU</source>
        <translation>在 CPU 上运行</translation>
    </message>
    <message>
        <location filename="../../app/gui/welcome.py" line="133"/>
        <source>too large</source>
        <translation>太大</translation>
    </message>
    <message>
        <location filename="../../app/gui/welcome.py" line="146"/>
        <location filename="../../app/gui/welcome.py" line="153"/>
        <source>Welcome to Parley</source>
        <translation>欢迎使用 Parley</translation>
    </message>
    <message>
        <location filename="../../app/gui/welcome.py" line="147"/>
        <source>Welcome</source>
        <translation>欢迎</translation>
    </message>
    <message>
        <location filename="../../app/gui/welcome.py" line="155"/>
        <source>Welcome title</source>
        <translation>欢迎标题</translation>
    </message>
    <message>
        <location filename="../../app/gui/welcome.py" line="159"/>
        <source>Parley lets you chat with a language model, and summarise, translate or read the sentiment of text, entirely on this computer. Nothing you write leaves it: there is no account, and no internet connection is needed once a model is downloaded.</source>
        <translation>Parley 让你在这台电脑上与语言模型聊天，并对文本进行摘要、翻译或情感分析，全部在本机完成。你写的任何内容都不会离开这台电脑：无需账户，模型下载完成后也无需联网。</translation>
    </message>
    <message>
        <location filename="../../app/gui/welcome.py" line="166"/>
        <source>What Parley does</source>
        <translation>Parley 的功能</translation>
    </message>
    <message>
        <location filename="../../app/gui/welcome.py" line="170"/>
        <source>The built-in starter model is very small and understands English only. It is good for trying Parley out; for useful answers, and for Chinese, download a larger model.</source>
        <translation>内置的入门模型非常小，而且只懂英语。它适合试用 Parley；如需更有用的回答或使用中文，请下载更大的模型。</translation>
    </message>
    <message>
        <location filename="../../app/gui/welcome.py" line="177"/>
        <source>About the starter model</source>
        <translation>关于入门模型</translation>
    </message>
    <message>
        <location filename="../../app/gui/welcome.py" line="185"/>
        <source>Recommended for this computer</source>
        <translation>为这台电脑推荐</translation>
    </message>
    <message>
        <location filename="../../app/gui/welcome.py" line="188"/>
        <source>Looking at this computer…</source>
        <translation>正在检测这台电脑…</translation>
    </message>
    <message>
        <location filename="../../app/gui/welcome.py" line="189"/>
        <source>Recommended model</source>
        <translation>推荐的模型</translation>
    </message>
    <message>
        <location filename="../../app/gui/welcome.py" line="194"/>
        <source>Why this model</source>
        <translation>推荐理由</translation>
    </message>
    <message>
        <location filename="../../app/gui/welcome.py" line="202"/>
        <location filename="../../app/gui/welcome.py" line="203"/>
        <source>Skip</source>
        <translation>跳过</translation>
    </message>
    <message>
        <location filename="../../app/gui/welcome.py" line="205"/>
        <source>Keep the starter model for now; this page is in Help &gt; Welcome</source>
        <translation>暂时继续使用入门模型；可在“帮助 &gt; 欢迎页”中再次打开此页</translation>
    </message>
    <message>
        <location filename="../../app/gui/welcome.py" line="209"/>
        <source>Download</source>
        <translation>下载</translation>
    </message>
    <message>
        <location filename="../../app/gui/welcome.py" line="211"/>
        <source>Download recommended model</source>
        <translation>下载推荐的模型</translation>
    </message>
    <message>
        <location filename="../../app/gui/welcome.py" line="213"/>
        <source>Download the recommended model; progress shows on the Models page</source>
        <translation>下载推荐的模型；进度显示在“模型”页</translation>
    </message>
    <message>
        <location filename="../../app/gui/welcome.py" line="230"/>
        <source>No catalogue model fits this computer&apos;s memory</source>
        <translation>没有适合这台电脑内存的目录模型</translation>
    </message>
    <message>
        <location filename="../../app/gui/welcome.py" line="233"/>
        <source>Parley will keep using the starter model. See the Models page for details.</source>
        <translation>Parley 将继续使用入门模型。详情请见“模型”页。</translation>
    </message>
    <message>
        <location filename="../../app/gui/welcome.py" line="241"/>
        <source>about {tps:.0f} tokens/s measured here</source>
        <translation>本机实测约 {tps:.0f} 词元/秒</translation>
    </message>
    <message>
        <location filename="../../app/gui/welcome.py" line="243"/>
        <source>about {tps:.0f} tokens/s expected</source>
        <translation>预计约 {tps:.0f} 词元/秒</translation>
    </message>
    <message>
        <location filename="../../app/gui/welcome.py" line="245"/>
        <source>{size} download · {fit} · {speed} · speaks {languages}</source>
        <translation>下载 {size} · {fit} · {speed} · 支持 {languages}</translation>
    </message>
    <message>
        <location filename="../../app/gui/welcome.py" line="256"/>
        <source>Already downloaded</source>
        <translation>已下载</translation>
    </message>
    <message>
        <location filename="../../app/gui/welcome.py" line="258"/>
        <source>Choose it as the default model in Settings (Ctrl+,)</source>
        <translation>在设置（Ctrl+,）中将它选为默认模型</translation>
    </message>
    <message>
        <location filename="../../app/gui/welcome.py" line="263"/>
        <source>Download {size}</source>
        <translation>下载（{size}）</translation>
    </message>
    <message>
        <location filename="../../app/gui/welcome.py" line="272"/>
        <source>The model catalogue could not be read</source>
        <translation>无法读取模型目录</translation>
    </message>
    <message>
        <location filename="../../app/gui/welcome.py" line="274"/>
        <source>{error} Choose a model on the Models page instead.</source>
        <translation>{error} 请改在“模型”页选择模型。</translation>
    </message>
</context>
</TS>

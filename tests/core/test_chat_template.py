"""ChatTemplate with small inline templates: what it keeps, what it decides, how it fails.

The real templates of every catalogue family are rendered in tests/templates/.
"""

from __future__ import annotations

import pytest

from app.core.chat_template import THINK_SWITCH, ChatTemplate, TemplateError, merge_system

CHATML = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)
# Gemma's way: a system message is an error.
RAISES_ON_SYSTEM = (
    "{{ bos_token }}"
    "{% if messages[0]['role'] == 'system' %}{{ raise_exception('System role not supported') }}"
    "{% endif %}"
    "{% for message in messages %}"
    "{{ '<start_of_turn>' + message['role'] + '\\n' + message['content'] | trim"
    " + '<end_of_turn>\\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<start_of_turn>model\\n' }}{% endif %}"
)
# Others leave it out without a word.
DROPS_SYSTEM = (
    "{% for message in messages %}{% if message['role'] != 'system' %}"
    "[{{ message['role'] }}]{{ message['content'] }}"
    "{% endif %}{% endfor %}"
    "{% if add_generation_prompt %}[assistant]{% endif %}"
)
# Qwen3's switch.
SWITCHABLE = (
    CHATML[: CHATML.index("{% if add_generation_prompt %}")]
    + "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}"
    "{% if enable_thinking is defined and enable_thinking is false %}"
    "{{ '<think>\\n\\n</think>\\n\\n' }}{% endif %}{% endif %}"
)
# DeepSeek-R1's published template: the prompt opens the reasoning block.
OPENS_THINK = (
    "{{ bos_token }}{% for message in messages %}"
    "{% if message['role'] == 'user' %}{{ '<｜User｜>' + message['content'] }}"
    "{% elif message['role'] == 'assistant' %}"
    "{{ '<｜Assistant｜>' + message['content'].split('</think>')[-1] + '<｜end▁of▁sentence｜>' }}"
    "{% endif %}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<｜Assistant｜><think>\\n' }}{% endif %}"
)

SYSTEM = "Answer in French."
CONVERSATION = [
    {"role": "system", "content": SYSTEM},
    {"role": "user", "content": "Hello"},
]


def test_chatml_renders_every_turn_and_the_generation_prompt() -> None:
    template = ChatTemplate(CHATML)
    messages = [*CONVERSATION, {"role": "assistant", "content": "Bonjour"}]
    assert template.render(messages) == (
        "<|im_start|>system\nAnswer in French.<|im_end|>\n"
        "<|im_start|>user\nHello<|im_end|>\n"
        "<|im_start|>assistant\nBonjour<|im_end|>\n"
        "<|im_start|>assistant\n"
    )
    assert template.render(messages, add_generation_prompt=False).endswith("Bonjour<|im_end|>\n")
    assert template.supports_system
    assert template.reasoning == "none"
    assert template.think_switch is None


def test_a_template_that_rejects_system_gets_it_in_the_first_user_turn() -> None:
    template = ChatTemplate(RAISES_ON_SYSTEM, bos_token="<bos>")
    assert not template.supports_system
    messages = [
        *CONVERSATION,
        {"role": "assistant", "content": "Bonjour"},
        {"role": "user", "content": "Thanks"},
    ]
    assert template.render(messages) == (
        "<bos><start_of_turn>user\nAnswer in French.\n\nHello<end_of_turn>\n"
        "<start_of_turn>assistant\nBonjour<end_of_turn>\n"
        "<start_of_turn>user\nThanks<end_of_turn>\n"
        "<start_of_turn>model\n"
    )


def test_a_template_that_drops_system_silently_gets_it_merged_too() -> None:
    template = ChatTemplate(DROPS_SYSTEM)
    assert not template.supports_system
    assert template.render(CONVERSATION) == "[user]Answer in French.\n\nHello[assistant]"


def test_merge_system() -> None:
    messages = [
        {"role": "system", "content": "One."},
        {"role": "assistant", "content": "Hi"},
        {"role": "system", "content": ""},
        {"role": "user", "content": "Q"},
        {"role": "system", "content": "Two."},
        {"role": "user", "content": "Q2"},
    ]
    assert merge_system(messages) == [
        {"role": "assistant", "content": "Hi"},
        {"role": "user", "content": "One.\n\nTwo.\n\nQ"},
        {"role": "user", "content": "Q2"},
    ]
    # No user turn: the system text becomes one rather than being lost.
    assert merge_system([{"role": "system", "content": "S"}]) == [{"role": "user", "content": "S"}]
    assert merge_system([{"role": "user", "content": "Q"}]) == [{"role": "user", "content": "Q"}]


def test_enable_thinking_is_a_switch() -> None:
    template = ChatTemplate(SWITCHABLE)
    assert template.reasoning == "switchable"
    assert template.think_switch == THINK_SWITCH == "enable_thinking"
    off = template.render(CONVERSATION, enable_thinking=False)
    assert off.endswith("<|im_start|>assistant\n<think>\n\n</think>\n\n")
    for think in (None, True):
        assert template.render(CONVERSATION, enable_thinking=think).endswith(
            "<|im_start|>assistant\n"
        )
    assert not template.opens_reasoning(off)


def test_enable_thinking_none_means_the_models_default_which_is_to_think() -> None:
    """Templates disagree on an undefined switch (Qwen3: on; llama.cpp's DeepSeek-R1 copy:
    off), so "the model's default" is sent as True, which is what every one of them means."""
    template = ChatTemplate(
        "{% if enable_thinking is defined %}defined:{{ enable_thinking }}"
        "{% else %}undefined{% endif %}"
    )
    assert template.render(CONVERSATION) == "defined:True"
    assert template.render(CONVERSATION, enable_thinking=None) == "defined:True"
    assert template.render(CONVERSATION, enable_thinking=True) == "defined:True"
    assert template.render(CONVERSATION, enable_thinking=False) == "defined:False"


def test_a_prompt_that_opens_think_always_reasons() -> None:
    template = ChatTemplate(OPENS_THINK, bos_token="<s>")
    assert template.reasoning == "always"
    assert template.think_switch is None
    prompt = template.render(CONVERSATION)
    assert prompt == "<s><｜User｜>Answer in French.\n\nHello<｜Assistant｜><think>\n"
    assert template.opens_reasoning(prompt)
    assert not template.opens_reasoning(prompt + "plan</think>answer")
    assert not template.opens_reasoning(template.render(CONVERSATION, add_generation_prompt=False))


def test_a_think_tag_in_a_user_message_does_not_open_reasoning() -> None:
    template = ChatTemplate(CHATML)
    messages = [{"role": "user", "content": "What is the <think> tag for?"}]
    prompt = template.render(messages)
    assert template.reasoning == "none"
    # Only the end of the generation prompt counts, not a tag in a user's question.
    assert not template.opens_reasoning(prompt)


def test_bos_and_eos_tokens_reach_the_template() -> None:
    template = ChatTemplate(
        "{{ bos_token }}{% for m in messages %}{{ m['content'] }}{% endfor %}{{ eos_token }}",
        bos_token="<s>",
        eos_token="</s>",
    )
    assert template.render(CONVERSATION) == "<s>Answer in French.Hello</s>"


def test_syntax_error_is_a_template_error() -> None:
    with pytest.raises(TemplateError, match="not valid Jinja") as caught:
        ChatTemplate("{% for message in messages %}{{ message['content'] }}")
    assert "endfor" in str(caught.value)


def test_runtime_error_is_a_template_error_with_a_clear_message() -> None:
    template = ChatTemplate("{{ messages[0]['content'] }}{{ messages[5]['content'] | upper }}")
    with pytest.raises(TemplateError) as caught:
        template.render(CONVERSATION)
    message = str(caught.value)
    assert message.startswith("The model's chat template could not format this conversation: ")
    assert message.endswith("list object has no element 5")
    with pytest.raises(TemplateError, match=r"could not format this conversation: .*division"):
        ChatTemplate("{{ 1 // 0 }}").render(CONVERSATION)


def test_raise_exception_reaches_the_user() -> None:
    template = ChatTemplate(
        "{% for m in messages %}{% if m['role'] == 'assistant' %}"
        "{{ raise_exception('Conversation roles must alternate') }}{% endif %}{% endfor %}"
    )
    with pytest.raises(
        TemplateError,
        match=r"^The model's chat template could not format this conversation: "
        r"Conversation roles must alternate$",
    ):
        template.render([*CONVERSATION, {"role": "assistant", "content": "x"}])


def test_tojson_keeps_non_ascii_and_markup() -> None:
    template = ChatTemplate(
        "{{ messages[0]['content'] | tojson }}|"
        "{{ {'名': messages[0]['content']} | tojson(indent=2) }}"
    )
    text = "翻译 <b>&</b> café"
    assert template.render([{"role": "user", "content": text}]) == (
        '"翻译 <b>&</b> café"|{\n  "名": "翻译 <b>&</b> café"\n}'
    )


def test_strftime_now_is_available() -> None:
    import datetime

    rendered = ChatTemplate("{{ strftime_now('%Y') }}").render(CONVERSATION)
    assert rendered == str(datetime.datetime.now().year)


def test_the_sandbox_blocks_python_internals() -> None:
    template = ChatTemplate("{{ ''.__class__.__mro__ }}")
    with pytest.raises(TemplateError) as caught:
        template.render(CONVERSATION)
    assert "unsafe" in str(caught.value)
    # An internal attribute reads as undefined: nothing of Python leaks into the prompt.
    assert ChatTemplate("[{{ ''.__class__ }}]").render(CONVERSATION) == "[]"
    with pytest.raises(TemplateError, match="unsafe"):
        ChatTemplate("{{ messages.__class__.__subclasses__() }}").render(CONVERSATION)


def test_the_sandbox_is_immutable() -> None:
    template = ChatTemplate(
        "{% set _ = messages.append({'role': 'user'}) %}{{ messages | length }}"
    )
    with pytest.raises(TemplateError, match="unsafe"):
        template.render(CONVERSATION)


def test_render_takes_only_role_and_content() -> None:
    template = ChatTemplate("{% for m in messages %}{{ m.keys() | list }}{% endfor %}")
    rendered = template.render([{"role": "user", "content": "x", "reasoning": "hidden"}])
    assert rendered == "['role', 'content']"


def test_an_empty_conversation_renders_as_nothing() -> None:
    """Qwen2.5's template reads messages[0] unguarded; a new chat's meter counts nothing."""
    template = ChatTemplate("{{ messages[0]['content'] }}{% for m in messages %}.{% endfor %}")
    assert template.render([]) == ""
    assert template.render([{"role": "user", "content": "hi"}]) == "hi."

using RlhfPlatform.Modeling.Tokenization.ChatTemplates;

namespace RlhfPlatform.Modeling.Tests.Tokenization;

/// <summary>Templates as HF publishes them (ChatML/Qwen2, Llama 3, Mistral) rendered against hand-written expected prompts.</summary>
public class ChatTemplateTests
{
    static readonly ChatMessage[] Conversation =
    [
        new("system", "Be brief."),
        new("user", "Hi there"),
        new("assistant", "Hello!"),
        new("user", "  What is 2+2?  "),
    ];

    const string Llama3Template =
        "{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'+ message['content'] | trim + '<|eot_id|>' %}" +
        "{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}" +
        "{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %}";

    const string MistralTemplate =
        "{{ bos_token }}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}" +
        "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}" +
        "{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}{% elif message['role'] == 'assistant' %}" +
        "{{ message['content'] + eos_token}}{% else %}{{ raise_exception('Only user and assistant roles are supported!') }}{% endif %}{% endfor %}";

    /// <summary>Qwen2.5's shape: multi-line with whitespace control, a namespace, loop.last, slicing, tests and methods.</summary>
    const string MultiLineTemplate = """
        {%- if messages[0]['role'] == 'system' %}
            {{- '<|im_start|>system\n' + messages[0]['content'] + '<|im_end|>\n' }}
            {%- set rest = messages[1:] %}
        {%- else %}
            {{- '<|im_start|>system\nYou are Qwen.<|im_end|>\n' }}
            {%- set rest = messages %}
        {%- endif %}
        {%- set ns = namespace(turns=0) %}
        {%- for message in rest %}
            {%- if message.role == "user" %}
                {%- set ns.turns = ns.turns + 1 %}
            {%- endif %}
            {{- '<|im_start|>' ~ message.role ~ '\n' ~ message.content.strip() ~ '<|im_end|>' }}
            {%- if not loop.last or add_generation_prompt %}
                {{- '\n' }}
            {%- endif %}
        {%- endfor %}
        {%- if add_generation_prompt %}
            {{- '<|im_start|>assistant\n' }}
        {%- endif %}
        {%- if tools is defined and tools %}{{ raise_exception('no tools') }}{% endif %}
        {{- '[' ~ ns.turns ~ ' user turns]' }}
        """;

    [Fact]
    public void ChatMlTemplateAddsTheDefaultSystemPromptOnlyWhenThereIsNone()
    {
        var template = ChatTemplate.Parse(TinyBpeFolder.ChatMlTemplate);
        Assert.Equal(
            "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi there<|im_end|>\n<|im_start|>assistant\nHello!<|im_end|>\n" +
            "<|im_start|>user\n  What is 2+2?  <|im_end|>\n<|im_start|>assistant\n",
            template.Render(Conversation, addGenerationPrompt: true, null, "<|im_end|>"));
        Assert.Equal(
            "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nHi there<|im_end|>\n",
            template.Render([new("user", "Hi there")], addGenerationPrompt: false, null, null));
    }

    [Fact]
    public void Llama3TemplateTrimsContentAndStartsWithBos()
    {
        var template = ChatTemplate.Parse(Llama3Template);
        Assert.Equal(
            "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>" +
            "<|start_header_id|>user<|end_header_id|>\n\nHi there<|eot_id|>" +
            "<|start_header_id|>assistant<|end_header_id|>\n\nHello!<|eot_id|>" +
            "<|start_header_id|>user<|end_header_id|>\n\nWhat is 2+2?<|eot_id|>" +
            "<|start_header_id|>assistant<|end_header_id|>\n\n",
            template.Render(Conversation, addGenerationPrompt: true, "<|begin_of_text|>", "<|eot_id|>"));
    }

    [Fact]
    public void MistralTemplateRendersInstTurnsAndRaisesOnBadRoles()
    {
        var template = ChatTemplate.Parse(MistralTemplate);
        Assert.Equal("<s>[INST] Hi there [/INST]Hello!</s>[INST]   What is 2+2?   [/INST]",
            template.Render(Conversation[1..], addGenerationPrompt: true, "<s>", "</s>"));
        var error = Assert.Throws<ChatTemplateRaisedException>(() => template.Render(Conversation, true, "<s>", "</s>"));
        Assert.Contains("Conversation roles must alternate", error.Message);
    }

    [Fact]
    public void MultiLineTemplateFollowsWhitespaceControlNamespacesAndSlices()
    {
        var template = ChatTemplate.Parse(MultiLineTemplate);
        Assert.Equal(
            "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi there<|im_end|>\n<|im_start|>assistant\nHello!<|im_end|>\n" +
            "<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n[2 user turns]",
            template.Render(Conversation, addGenerationPrompt: true, null, null));
        Assert.Equal(
            "<|im_start|>system\nYou are Qwen.<|im_end|>\n<|im_start|>user\nHi there<|im_end|>[1 user turns]",
            template.Render([new("user", "Hi there")], addGenerationPrompt: false, null, null));
        var error = Assert.Throws<ChatTemplateRaisedException>(() => template.Render(Conversation, true, null, null,
            new Dictionary<string, object?> { ["tools"] = new List<object?> { "calculator" } }));
        Assert.Contains("no tools", error.Message);
    }

    [Theory]
    [InlineData("{% for x in items %}\n  {{ x }}\n{% endfor %}", "  1\n  2\n")]
    [InlineData("  {% if true %}yes{% endif %}\nz", "yesz")]
    [InlineData("x {% if true %}yes{% endif %}", "x yes")]
    [InlineData("a  {%- if true -%}  b  {%- endif -%}  c", "abc")]
    [InlineData("{{ items | length }} {{ items[-1] }} {{ items[::-1] | join(',') }} {{ 'x' if items else 'y' }}", "2 2 2,1 x")]
    [InlineData("{{ 'a b' ~ 3 }}|{{ ' p '.strip() }}|{{ 'Hi'.startswith('H') }}|{{ none is none }}|{{ 7 // 2 }}|{{ 7 % 3 }}", "a b3|p|True|True|3|1")]
    [InlineData("{{ {'b': [1, 'two'], 'a': none} | tojson }}", "{\"b\": [1, \"two\"], \"a\": null}")]
    [InlineData("{% for m in msgs if m.role != 'system' %}{{ loop.index }}{{ m.role }}{% else %}none{% endfor %}", "1user")]
    [InlineData("{{ missing }}{{ missing is defined }}{{ missing | default('d') }}", "Falsed")]
    public void ExpressionsAndWhitespaceBehaveLikeJinja(string source, string expected)
    {
        var extra = new Dictionary<string, object?>
        {
            ["items"] = new List<object?> { 1L, 2L },
            ["msgs"] = new List<object?>
            {
                new Dictionary<string, object?> { ["role"] = "system" },
                new Dictionary<string, object?> { ["role"] = "user" },
            },
        };
        Assert.Equal(expected, ChatTemplate.Parse(source).Render([], false, null, null, extra));
    }

    [Theory]
    [InlineData("{% macro greet() %}hi{% endmacro %}", "'macro' tag is not supported")]
    [InlineData("{% if x %}never closed", "missing {% endif %}")]
    [InlineData("{{ x | wordwrap }}", "'wordwrap' filter is not supported")]
    [InlineData("{{ 'open }}", "never closed")]
    public void UnsupportedOrBrokenTemplatesGiveAClearError(string source, string expected)
    {
        var error = Assert.Throws<InvalidDataException>(() => ChatTemplate.Parse(source).Render([], false, null, null,
            new Dictionary<string, object?> { ["x"] = "text" }));
        Assert.Contains(expected, error.Message);
    }
}

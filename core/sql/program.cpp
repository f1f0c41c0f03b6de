#include "program.h"

#include <algorithm>

namespace busyard::core::sql {

namespace {

char lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string_view parameterName(std::string_view name)
{
    if (!name.empty() && name.front() == '@')
        name.remove_prefix(1);
    return name;
}

class Compiler
{
public:
    struct Failure {};

    Compiler(Program &program, const Parameters &params, const CompileOptions &options)
        : m_program(program), m_params(params), m_options(options), m_used(params.size(), false) {}

    std::optional<ParseError> error;

    std::int32_t compile(const AstNode &n)
    {
        switch (n.kind) {
        case AstNode::Kind::Literal: return constant(n.literal);
        case AstNode::Kind::Property: return property(n);
        case AstNode::Kind::Parameter: return parameter(n);
        case AstNode::Kind::Unary: return unaryNode(n);
        case AstNode::Kind::Binary: return binaryNode(n);
        case AstNode::Kind::Function: return function(n);
        case AstNode::Kind::Or:
        case AstNode::Kind::And: {
            Node node;
            node.op = n.kind == AstNode::Kind::Or ? OpCode::Or : OpCode::And;
            node.a = compile(*n.children[0]);
            node.b = compile(*n.children[1]);
            return add(node);
        }
        case AstNode::Kind::Not: {
            Node node;
            node.op = OpCode::Not;
            node.a = compile(*n.children[0]);
            if (at(node.a).op == OpCode::ConstTruth) {
                node.op = OpCode::ConstTruth;
                node.sub = static_cast<std::uint8_t>(triNot(static_cast<Tri>(at(node.a).sub)));
            }
            return add(node);
        }
        case AstNode::Kind::Compare: return compareNode(n);
        case AstNode::Kind::Like: return likeNode(n);
        case AstNode::Kind::In: return inNode(n);
        case AstNode::Kind::IsNull:
        case AstNode::Kind::Exists: {
            Node node;
            node.op = n.kind == AstNode::Kind::IsNull ? OpCode::IsNull : OpCode::Exists;
            node.negated = n.negated;
            node.a = compile(*n.children[0]);
            return add(node);
        }
        }
        return -1;
    }

    void compileStatement(const Statement &s)
    {
        Program::Statement out;
        out.kind = s.kind;
        const AstNode &target = *s.target;
        if (target.systemScope) {
            out.systemScope = true;
            out.property = resolveSys(target);
            if (!isSettable(out.property))
                failAt(target.span, std::string("The system property 'sys.") + sysPropertyName(out.property)
                                        + "' is read-only and cannot be changed by an action.");
        } else {
            out.name = target.name;
            out.lowerName = addName(target.name);
        }
        if (s.value)
            out.value = compile(*s.value);
        m_program.statements.push_back(std::move(out));
    }

    void checkParametersUsed(int textLength)
    {
        if (!m_options.checkParameters)
            return;
        for (std::size_t i = 0; i < m_params.size(); ++i) {
            if (!m_used[i])
                failAt(SourceSpan{0, textLength, 1, 1},
                       "The parameter '@" + std::string(parameterName(m_params[i].first))
                           + "' is specified but not used in the expression.");
        }
    }

private:
    [[noreturn]] void failAt(SourceSpan span, std::string detail, std::string token = {})
    {
        error = ParseError{span, std::move(token), std::move(detail)};
        throw Failure{};
    }

    Node &at(std::int32_t i) { return m_program.nodes[static_cast<std::size_t>(i)]; }

    std::int32_t add(const Node &n)
    {
        m_program.nodes.push_back(n);
        return static_cast<std::int32_t>(m_program.nodes.size() - 1);
    }

    std::int32_t constant(const Value &v)
    {
        m_program.values.push_back(v);
        Node node;
        node.op = OpCode::Const;
        node.constant = Scalar::fromValue(m_program.values.back());
        return add(node);
    }

    // Stores a folded scalar, copying text it references into the program.
    std::int32_t folded(const Scalar &s)
    {
        if (s.type == ScalarType::String) {
            m_program.values.push_back(Value::string(std::string(s.str())));
            Node node;
            node.op = OpCode::Const;
            node.constant = Scalar::fromValue(m_program.values.back());
            return add(node);
        }
        Node node;
        node.op = OpCode::Const;
        node.constant = s;
        return add(node);
    }

    std::int32_t addName(const std::string &name)
    {
        m_program.names.push_back(toLowerAscii(name));
        return static_cast<std::int32_t>(m_program.names.size() - 1);
    }

    SysProperty resolveSys(const AstNode &n)
    {
        const auto p = findSysProperty(n.name, m_options.acceptSubjectAlias);
        if (!p)
            failAt(n.span, "'sys." + n.name + "' is not a supported system property.", "sys." + n.name);
        return *p;
    }

    std::int32_t property(const AstNode &n)
    {
        Node node;
        if (n.systemScope) {
            node.op = OpCode::SysProperty;
            node.systemScope = true;
            node.sub = static_cast<std::uint8_t>(resolveSys(n));
        } else {
            node.op = OpCode::UserProperty;
            node.index = addName(n.name);
        }
        return add(node);
    }

    std::int32_t parameter(const AstNode &n)
    {
        for (std::size_t i = 0; i < m_params.size(); ++i) {
            if (equalsIgnoreCase(parameterName(m_params[i].first), n.name)) {
                m_used[i] = true;
                return constant(m_params[i].second);
            }
        }
        if (m_options.checkParameters)
            failAt(n.span, "The parameter '@" + n.name + "' is not specified.", "@" + n.name);
        return constant(Value::null());
    }

    std::int32_t unaryNode(const AstNode &n)
    {
        Node node;
        node.op = OpCode::Unary;
        node.sub = static_cast<std::uint8_t>(n.unaryOp);
        node.a = compile(*n.children[0]);
        if (at(node.a).op == OpCode::Const) {
            EvalArena arena;
            const Scalar r = unary(n.unaryOp, at(node.a).constant, arena);
            if (!r.isError()) // a failing constant expression fails when evaluated, as in Azure
                return folded(r);
        }
        return add(node);
    }

    std::int32_t binaryNode(const AstNode &n)
    {
        Node node;
        node.op = OpCode::Binary;
        node.sub = static_cast<std::uint8_t>(n.arithOp);
        node.a = compile(*n.children[0]);
        node.b = compile(*n.children[1]);
        if (at(node.a).op == OpCode::Const && at(node.b).op == OpCode::Const) {
            EvalArena arena;
            const Scalar r = arithmetic(n.arithOp, at(node.a).constant, at(node.b).constant, arena);
            if (!r.isError())
                return folded(r);
        }
        return add(node);
    }

    std::int32_t function(const AstNode &n)
    {
        Node node;
        if (n.name == "newid") {
            node.op = OpCode::NewId;
        } else {
            node.op = OpCode::PropertyFunction;
            node.a = compile(*n.children[0]);
        }
        return add(node);
    }

    std::int32_t compareNode(const AstNode &n)
    {
        Node node;
        node.op = OpCode::Compare;
        node.sub = static_cast<std::uint8_t>(n.compareOp);
        node.a = compile(*n.children[0]);
        node.b = compile(*n.children[1]);
        if (at(node.a).op == OpCode::Const && at(node.b).op == OpCode::Const) {
            EvalArena arena;
            const Tri t = sql::compare(n.compareOp, at(node.a).constant, at(node.b).constant, arena);
            if (t != Tri::Error) {
                node.op = OpCode::ConstTruth;
                node.sub = static_cast<std::uint8_t>(t);
            }
        }
        return add(node);
    }

    std::int32_t likeNode(const AstNode &n)
    {
        Node node;
        node.op = OpCode::Like;
        node.negated = n.negated;
        node.a = compile(*n.children[0]);
        node.b = compile(*n.children[1]);
        if (n.children.size() > 2) {
            node.c = compile(*n.children[2]);
            const Scalar &esc = at(node.c).constant;
            if (at(node.c).op == OpCode::Const && esc.type == ScalarType::String && utf16Length(esc.str()) != 1)
                failAt(n.children[2]->span, "The ESCAPE operand of LIKE must be exactly one character.");
        }
        const bool constPattern = at(node.b).op == OpCode::Const && at(node.b).constant.type == ScalarType::String;
        const bool constEscape = node.c < 0
            || (at(node.c).op == OpCode::Const && at(node.c).constant.type == ScalarType::String);
        if (constPattern && constEscape) {
            char32_t escape = 0;
            if (node.c >= 0) {
                std::size_t i = 0;
                escape = decodeUtf8(at(node.c).constant.str(), i);
            }
            m_program.likes.emplace_back(at(node.b).constant.str(), escape);
            node.op = OpCode::LikeConst;
            node.index = static_cast<std::int32_t>(m_program.likes.size() - 1);
        }
        return add(node);
    }

    std::int32_t inNode(const AstNode &n)
    {
        Node node;
        node.op = OpCode::In;
        node.negated = n.negated;
        node.a = compile(*n.children[0]);
        std::vector<std::int32_t> elements;
        for (std::size_t i = 1; i < n.children.size(); ++i)
            elements.push_back(compile(*n.children[i]));
        node.index = static_cast<std::int32_t>(m_program.lists.size());
        node.count = static_cast<std::int32_t>(elements.size());
        m_program.lists.insert(m_program.lists.end(), elements.begin(), elements.end());

        const auto allConst = [&](ScalarType t) {
            return std::all_of(elements.begin(), elements.end(), [&](std::int32_t e) {
                return at(e).op == OpCode::Const && at(e).constant.type == t;
            });
        };
        // Homogeneous constant lists either fail on the first element or compare with every element the
        // same way, so a sorted set gives exactly the left-to-right result.
        if (allConst(ScalarType::String)) {
            std::vector<std::string_view> set;
            for (auto e : elements)
                set.push_back(at(e).constant.str());
            std::sort(set.begin(), set.end());
            m_program.stringSets.push_back(std::move(set));
            node.op = OpCode::InStrings;
            node.c = static_cast<std::int32_t>(m_program.stringSets.size() - 1);
        } else if (allConst(ScalarType::Long)) {
            std::vector<std::int64_t> set;
            for (auto e : elements)
                set.push_back(at(e).constant.i);
            std::sort(set.begin(), set.end());
            m_program.integerSets.push_back(std::move(set));
            node.op = OpCode::InIntegers;
            node.c = static_cast<std::int32_t>(m_program.integerSets.size() - 1);
        }
        return add(node);
    }

    Program &m_program;
    const Parameters &m_params;
    const CompileOptions &m_options;
    std::vector<bool> m_used;
};

} // namespace

std::optional<ParseError> compileFilterProgram(std::string_view text, const Parameters &params,
                                               const CompileOptions &options, Program &out)
{
    out.text = std::string(text);
    Parser parser(text);
    const auto ast = parser.parseFilter();
    if (!ast)
        return parser.error();
    Compiler compiler(out, params, options);
    try {
        out.root = compiler.compile(*ast);
        compiler.checkParametersUsed(static_cast<int>(text.size()));
    } catch (const Compiler::Failure &) {
        return compiler.error;
    }
    return std::nullopt;
}

std::optional<ParseError> compileActionProgram(std::string_view text, const Parameters &params,
                                               const CompileOptions &options, Program &out)
{
    out.text = std::string(text);
    Parser parser(text);
    const auto statements = parser.parseAction();
    if (statements.empty())
        return parser.error();
    Compiler compiler(out, params, options);
    try {
        for (const auto &s : statements)
            compiler.compileStatement(s);
        compiler.checkParametersUsed(static_cast<int>(text.size()));
    } catch (const Compiler::Failure &) {
        return compiler.error;
    }
    return std::nullopt;
}

// ---- evaluation ------------------------------------------------------------------------------------

const Value *Evaluator::findUser(std::string_view lowerName) const
{
    for (const auto &[key, value] : m_message.applicationProperties.entries()) {
        if (key.size() != lowerName.size())
            continue;
        std::size_t i = 0;
        while (i < key.size() && lower(key[i]) == lowerName[i])
            ++i;
        if (i == key.size())
            return &value;
    }
    return nullptr;
}

Scalar Evaluator::value(std::int32_t index)
{
    const Node &n = m_program.nodes[static_cast<std::size_t>(index)];
    switch (n.op) {
    case OpCode::Const: return n.constant;
    case OpCode::UserProperty: {
        const Value *v = findUser(m_program.names[static_cast<std::size_t>(n.index)]);
        return v ? Scalar::fromValue(*v) : Scalar::unknown();
    }
    case OpCode::SysProperty: return readSysProperty(static_cast<SysProperty>(n.sub), m_message, m_arena);
    case OpCode::Unary: return unary(static_cast<UnaryOp>(n.sub), value(n.a), m_arena);
    case OpCode::Binary: {
        const Scalar l = value(n.a);
        if (l.isError())
            return l;
        return arithmetic(static_cast<ArithOp>(n.sub), l, value(n.b), m_arena);
    }
    case OpCode::NewId: {
        const Uuid u = Uuid::generate();
        return Scalar::fromGuid(u.bytes.data());
    }
    case OpCode::PropertyFunction: {
        const Scalar arg = value(n.a);
        if (arg.isError() || arg.isUnknown())
            return arg;
        if (arg.isNull())
            return Scalar::unknown();
        TextBuffer buffer;
        std::string_view name;
        if (!toText(arg, buffer, name)) {
            m_arena.setError(std::string("property() needs a name, not a value of type '") + scalarTypeName(arg.type) + "'");
            return Scalar::error();
        }
        // User scope only (A.11): property('sys.Label') looks for a user property of that name.
        const Value *v = m_message.applicationProperties.find(name);
        return v ? Scalar::fromValue(*v) : Scalar::unknown();
    }
    default: break;
    }
    m_arena.setError("internal error: a predicate was used as a value");
    return Scalar::error();
}

Tri Evaluator::like(const Node &n)
{
    const Scalar v = value(n.a);
    if (v.isError())
        return Tri::Error;
    TextBuffer valueBuffer;
    std::string_view valueText;
    if (n.op == OpCode::LikeConst) {
        if (v.isUnknown())
            return Tri::Unknown;
        if (!toText(v, valueBuffer, valueText)) {
            m_arena.setError(std::string("LIKE cannot be applied to a value of type '") + scalarTypeName(v.type) + "'");
            return Tri::Error;
        }
        const bool match = m_program.likes[static_cast<std::size_t>(n.index)].matches(valueText);
        return match ? Tri::True : Tri::False;
    }
    const Scalar pattern = value(n.b);
    if (pattern.isError())
        return Tri::Error;
    const Scalar escape = n.c >= 0 ? value(n.c) : Scalar::null();
    if (escape.isError())
        return Tri::Error;
    if (v.isUnknown() || pattern.isUnknown() || escape.isUnknown())
        return Tri::Unknown;
    TextBuffer patternBuffer, escapeBuffer;
    std::string_view patternText, escapeText;
    if (!toText(v, valueBuffer, valueText) || !toText(pattern, patternBuffer, patternText)
        || !toText(escape, escapeBuffer, escapeText)) {
        m_arena.setError("LIKE cannot be applied to a value of type 'object'");
        return Tri::Error;
    }
    char32_t escapeChar = 0;
    if (!escapeText.empty()) {
        std::size_t i = 0;
        escapeChar = decodeUtf8(escapeText, i);
    }
    return likeMatch(valueText, patternText, escapeChar) ? Tri::True : Tri::False;
}

Tri Evaluator::in(const Node &n, const Scalar &v)
{
    if (n.op == OpCode::InStrings && v.type == ScalarType::String) {
        const auto &set = m_program.stringSets[static_cast<std::size_t>(n.c)];
        return std::binary_search(set.begin(), set.end(), v.str()) ? Tri::True : Tri::False;
    }
    if (n.op == OpCode::InIntegers) {
        switch (v.type) {
        case ScalarType::SByte:
        case ScalarType::Short:
        case ScalarType::Int:
        case ScalarType::Long:
        case ScalarType::Byte:
        case ScalarType::UShort:
        case ScalarType::UInt:
        case ScalarType::Char: {
            const std::int64_t x = (v.type == ScalarType::SByte || v.type == ScalarType::Short || v.type == ScalarType::Int
                                    || v.type == ScalarType::Long)
                ? v.i
                : static_cast<std::int64_t>(v.u);
            const auto &set = m_program.integerSets[static_cast<std::size_t>(n.c)];
            return std::binary_search(set.begin(), set.end(), x) ? Tri::True : Tri::False;
        }
        default: break;
        }
    }
    // Left to right with the rules of '=': the first equal element wins, a failing comparison before it
    // is an error, and the result is never unknown (A.9).
    for (std::int32_t k = 0; k < n.count; ++k) {
        const Scalar e = value(m_program.lists[static_cast<std::size_t>(n.index + k)]);
        const Tri t = sql::compare(CompareOp::Equal, v, e, m_arena);
        if (t == Tri::Error || t == Tri::True)
            return t;
    }
    return Tri::False;
}

Tri Evaluator::test(std::int32_t index)
{
    const Node &n = m_program.nodes[static_cast<std::size_t>(index)];
    switch (n.op) {
    case OpCode::ConstTruth: return static_cast<Tri>(n.sub);
    case OpCode::Or: {
        const Tri l = test(n.a);
        if (l == Tri::Error || l == Tri::True)
            return l;
        const Tri r = test(n.b);
        if (r == Tri::Error || r == Tri::True)
            return r;
        return (l == Tri::Unknown || r == Tri::Unknown) ? Tri::Unknown : Tri::False;
    }
    case OpCode::And: {
        const Tri l = test(n.a);
        if (l == Tri::Error || l == Tri::False)
            return l;
        const Tri r = test(n.b);
        if (r == Tri::Error || r == Tri::False)
            return r;
        return (l == Tri::Unknown || r == Tri::Unknown) ? Tri::Unknown : Tri::True;
    }
    case OpCode::Not: return triNot(test(n.a));
    case OpCode::Compare: {
        const Scalar l = value(n.a);
        if (l.isError())
            return Tri::Error;
        return sql::compare(static_cast<CompareOp>(n.sub), l, value(n.b), m_arena);
    }
    case OpCode::Like:
    case OpCode::LikeConst: {
        const Tri t = like(n);
        return n.negated ? triNot(t) : t;
    }
    case OpCode::In:
    case OpCode::InStrings:
    case OpCode::InIntegers: {
        const Scalar v = value(n.a);
        if (v.isError())
            return Tri::Error;
        if (v.isUnknown())
            return Tri::Unknown;
        const Tri t = in(n, v);
        return n.negated ? triNot(t) : t;
    }
    case OpCode::IsNull: {
        const Scalar v = value(n.a);
        if (v.isError())
            return Tri::Error;
        const bool isNull = v.isUnknown() || v.isNull();
        return (isNull != n.negated) ? Tri::True : Tri::False;
    }
    case OpCode::Exists: {
        const Node &p = m_program.nodes[static_cast<std::size_t>(n.a)];
        if (p.op == OpCode::SysProperty)
            return Tri::True;
        return findUser(m_program.names[static_cast<std::size_t>(p.index)]) ? Tri::True : Tri::False;
    }
    default: break;
    }
    m_arena.setError("internal error: a value was used as a predicate");
    return Tri::Error;
}

} // namespace busyard::core::sql

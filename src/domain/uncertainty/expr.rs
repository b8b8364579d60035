//! Measurement model expressions y = f(x1, ..., xN) and their exact sensitivity coefficients
//! cᵢ = ∂f/∂xᵢ (JCGM 100:2008 5.1.3), by reverse-mode automatic differentiation.
//!
//! An expression is parsed once into a postfix tape. The GUM evaluation walks the tape once
//! forwards (values, with domain checks that point at the offending token) and once backwards
//! (adjoints), which gives every partial derivative exactly, not by finite differences. The
//! Monte Carlo method (JCGM 101:2008 7.4) re-evaluates the same tape millions of times on a
//! preallocated stack.
//!
//! Syntax: numbers (`12`, `1.5`, `.5`, `1.2e-5`), input names (letters, digits and `_`, Unicode
//! letters such as `δm` included, not starting with a digit), `+ - * / ^` (also `−` U+2212,
//! `×`, `·`, `÷` and `**`), parentheses, unary minus, the constant `pi` (unless an input has that
//! name) and the functions `sqrt exp ln log10 sin cos tan abs`. `-x^2` means `-(x^2)` and `^` is
//! right-associative, as in mathematics.

use std::fmt;

/// Deepest nesting accepted: keeps the recursive-descent parser far from the thread's stack limit
/// whatever a client sends.
const MAX_DEPTH: usize = 128;
/// Longest expression accepted, in characters.
const MAX_LENGTH: usize = 10_000;

/// An error in a model expression, located at a character of the source.
#[derive(Debug, Clone, PartialEq)]
pub struct ExprError {
    /// 1-based character position (not byte offset) of the offending token.
    pub position: usize,
    /// The offending token as written; empty at the end of the expression.
    pub token: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ExprError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.token.is_empty() {
            write!(f, "{} at character {}", self.message, self.position)
        } else {
            write!(
                f,
                "{} at character {} ('{}')",
                self.message, self.position, self.token
            )
        }
    }
}

/// The functions a model may call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Func {
    Sqrt,
    Exp,
    Ln,
    Log10,
    Sin,
    Cos,
    Tan,
    Abs,
}

const FUNCTIONS: [(&str, Func); 8] = [
    ("sqrt", Func::Sqrt),
    ("exp", Func::Exp),
    ("ln", Func::Ln),
    ("log10", Func::Log10),
    ("sin", Func::Sin),
    ("cos", Func::Cos),
    ("tan", Func::Tan),
    ("abs", Func::Abs),
];

/// Whether the characters `chars` spell `word`.
fn spells(chars: &[char], word: &str) -> bool {
    word.chars().eq(chars.iter().copied())
}

impl Func {
    fn from_chars(chars: &[char]) -> Option<Func> {
        FUNCTIONS
            .iter()
            .find(|(name, _)| spells(chars, name))
            .map(|&(_, f)| f)
    }

    #[inline]
    fn apply(self, a: f64) -> f64 {
        match self {
            Func::Sqrt => a.sqrt(),
            Func::Exp => a.exp(),
            Func::Ln => a.ln(),
            Func::Log10 => a.log10(),
            Func::Sin => a.sin(),
            Func::Cos => a.cos(),
            Func::Tan => a.tan(),
            Func::Abs => a.abs(),
        }
    }
}

/// True when `name` is reserved by the expression language (a function name), so it cannot name
/// an input.
pub fn is_reserved_name(name: &str) -> bool {
    FUNCTIONS.iter().any(|(f, _)| *f == name)
}

/// True when `name` can be written in an expression as an input name.
pub fn is_valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    match chars.next() {
        Some(c) if c.is_alphabetic() || c == '_' => {}
        _ => return false,
    }
    chars.all(|c| c.is_alphanumeric() || c == '_') && !is_reserved_name(name)
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Op {
    Const(f64),
    Var(usize),
    Neg,
    Add,
    Sub,
    Mul,
    Div,
    Pow,
    Call(Func),
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Num(f64),
    Ident,
    Plus,
    Minus,
    Star,
    Slash,
    Caret,
    LParen,
    RParen,
}

/// A token and where it is: `start..end` are character indices into the source.
#[derive(Debug, Clone)]
struct Token {
    tok: Tok,
    start: usize,
    end: usize,
}

/// Where an op came from, for error messages (character indices into the source).
#[derive(Debug, Clone, Copy)]
struct Span {
    start: usize,
    end: usize,
}

fn text(chars: &[char], start: usize, end: usize) -> String {
    chars
        .get(start..end)
        .map_or_else(String::new, |s| s.iter().collect())
}

fn tokenize(chars: &[char]) -> Result<Vec<Token>, ExprError> {
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let simple = match c {
            '+' => Some(Tok::Plus),
            '-' | '\u{2212}' => Some(Tok::Minus),
            '*' if chars.get(i + 1) == Some(&'*') => {
                tokens.push(Token {
                    tok: Tok::Caret,
                    start: i,
                    end: i + 2,
                });
                i += 2;
                continue;
            }
            '*' | '×' | '·' | '\u{22C5}' => Some(Tok::Star),
            '/' | '÷' => Some(Tok::Slash),
            '^' => Some(Tok::Caret),
            '(' => Some(Tok::LParen),
            ')' => Some(Tok::RParen),
            _ => None,
        };
        if let Some(tok) = simple {
            tokens.push(Token {
                tok,
                start: i,
                end: i + 1,
            });
            i += 1;
            continue;
        }
        let starts_number = c.is_ascii_digit()
            || (c == '.' && chars.get(i + 1).is_some_and(|d| d.is_ascii_digit()));
        if starts_number {
            let start = i;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            if i < chars.len() && chars[i] == '.' {
                i += 1;
                while i < chars.len() && chars[i].is_ascii_digit() {
                    i += 1;
                }
            }
            if i < chars.len() && (chars[i] == 'e' || chars[i] == 'E') {
                let mut j = i + 1;
                if j < chars.len() && (chars[j] == '+' || chars[j] == '-' || chars[j] == '\u{2212}')
                {
                    j += 1;
                }
                if j < chars.len() && chars[j].is_ascii_digit() {
                    while j < chars.len() && chars[j].is_ascii_digit() {
                        j += 1;
                    }
                    i = j;
                }
            }
            let literal: String = chars[start..i]
                .iter()
                .map(|&c| if c == '\u{2212}' { '-' } else { c })
                .collect();
            let value: f64 = literal.parse().map_err(|_| ExprError {
                position: start + 1,
                token: text(chars, start, i),
                message: "malformed number".into(),
            })?;
            if !value.is_finite() {
                return Err(ExprError {
                    position: start + 1,
                    token: text(chars, start, i),
                    message: "number out of range".into(),
                });
            }
            tokens.push(Token {
                tok: Tok::Num(value),
                start,
                end: i,
            });
            continue;
        }
        if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            tokens.push(Token {
                tok: Tok::Ident,
                start,
                end: i,
            });
            continue;
        }
        return Err(ExprError {
            position: i + 1,
            token: c.to_string(),
            message: "unexpected character".into(),
        });
    }
    Ok(tokens)
}

struct Parser<'a> {
    chars: &'a [char],
    tokens: Vec<Token>,
    next: usize,
    names: &'a [&'a str],
    ops: Vec<Op>,
    spans: Vec<Span>,
    depth: usize,
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.next)
    }

    fn emit(&mut self, op: Op, token: &Token) {
        self.ops.push(op);
        self.spans.push(Span {
            start: token.start,
            end: token.end,
        });
    }

    fn error_at(&self, token: &Token, message: impl Into<String>) -> ExprError {
        ExprError {
            position: token.start + 1,
            token: text(self.chars, token.start, token.end),
            message: message.into(),
        }
    }

    fn error_here(&self, message: &str) -> ExprError {
        match self.peek() {
            Some(t) => self.error_at(t, message),
            None => ExprError {
                position: self.chars.len() + 1,
                token: String::new(),
                message: "unexpected end of expression".into(),
            },
        }
    }

    fn enter(&mut self) -> Result<(), ExprError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error_here("expression nested too deeply"));
        }
        Ok(())
    }

    // expr := term (('+' | '-') term)*
    fn expr(&mut self) -> Result<(), ExprError> {
        self.enter()?;
        self.term()?;
        while let Some(t) = self.peek() {
            let op = match t.tok {
                Tok::Plus => Op::Add,
                Tok::Minus => Op::Sub,
                _ => break,
            };
            let t = t.clone();
            self.next += 1;
            self.term()?;
            self.emit(op, &t);
        }
        self.depth -= 1;
        Ok(())
    }

    // term := unary (('*' | '/') unary)*
    fn term(&mut self) -> Result<(), ExprError> {
        self.unary()?;
        while let Some(t) = self.peek() {
            let op = match t.tok {
                Tok::Star => Op::Mul,
                Tok::Slash => Op::Div,
                _ => break,
            };
            let t = t.clone();
            self.next += 1;
            self.unary()?;
            self.emit(op, &t);
        }
        Ok(())
    }

    // unary := ('-' | '+') unary | power
    fn unary(&mut self) -> Result<(), ExprError> {
        self.enter()?;
        match self.peek().cloned() {
            Some(t) if t.tok == Tok::Minus => {
                self.next += 1;
                self.unary()?;
                self.emit(Op::Neg, &t);
            }
            Some(t) if t.tok == Tok::Plus => {
                self.next += 1;
                self.unary()?;
            }
            _ => self.power()?,
        }
        self.depth -= 1;
        Ok(())
    }

    // power := primary ('^' unary)?   (right-associative; the exponent may carry a sign)
    fn power(&mut self) -> Result<(), ExprError> {
        self.primary()?;
        if let Some(t) = self.peek().cloned() {
            if t.tok == Tok::Caret {
                self.next += 1;
                self.unary()?;
                self.emit(Op::Pow, &t);
            }
        }
        Ok(())
    }

    /// Consumes the ')' closing the '(' of `open` (a parenthesis or a function name).
    fn close(&mut self, open: &Token, what: &str) -> Result<(), ExprError> {
        match self.peek() {
            Some(t) if t.tok == Tok::RParen => {
                self.next += 1;
                Ok(())
            }
            Some(_) => Err(self.error_here("expected ')'")),
            None => Err(self.error_at(open, format!("missing ')' {what}"))),
        }
    }

    fn primary(&mut self) -> Result<(), ExprError> {
        let t = match self.peek() {
            Some(t) => t.clone(),
            None => return Err(self.error_here("")),
        };
        match t.tok {
            Tok::Num(v) => {
                self.next += 1;
                self.emit(Op::Const(v), &t);
                Ok(())
            }
            Tok::LParen => {
                self.next += 1;
                self.expr()?;
                self.close(&t, "for this '('")
            }
            Tok::Ident => {
                self.next += 1;
                let word = &self.chars[t.start..t.end];
                let followed_by_paren = self.peek().is_some_and(|n| n.tok == Tok::LParen);
                if let Some(index) = self.names.iter().position(|n| spells(word, n)) {
                    if followed_by_paren {
                        return Err(self.error_at(
                            &t,
                            "an input name cannot be called like a function \
                             (write '*' for a product)",
                        ));
                    }
                    self.emit(Op::Var(index), &t);
                    return Ok(());
                }
                if let Some(func) = Func::from_chars(word) {
                    if !followed_by_paren {
                        return Err(
                            self.error_at(&t, "a function needs its argument in parentheses")
                        );
                    }
                    self.next += 1;
                    self.expr()?;
                    self.close(&t, "after the function's argument")?;
                    self.emit(Op::Call(func), &t);
                    return Ok(());
                }
                if spells(word, "pi") && !followed_by_paren {
                    self.emit(Op::Const(std::f64::consts::PI), &t);
                    return Ok(());
                }
                let name = text(self.chars, t.start, t.end);
                let message = if followed_by_paren {
                    format!(
                        "unknown function '{name}' (known: sqrt, exp, ln, log10, sin, cos, tan, abs)"
                    )
                } else {
                    format!("unknown name '{name}' (not an input)")
                };
                Err(self.error_at(&t, message))
            }
            Tok::RParen => Err(self.error_here("unexpected ')'")),
            _ => Err(self.error_here("expected a number, a name or '('")),
        }
    }
}

/// A compiled model expression.
#[derive(Debug, Clone)]
pub struct CompiledExpr {
    ops: Vec<Op>,
    /// The source, for error messages.
    source: Vec<char>,
    spans: Vec<Span>,
    /// Whether each op's value depends on some input (constant subtrees need no derivative).
    varying: Vec<bool>,
    /// For each op, the tape indices of its operands (unused slots are 0).
    args: Vec<[usize; 2]>,
    max_stack: usize,
    used: Vec<bool>,
}

impl CompiledExpr {
    /// Parses `src` over the input names `names` (the position of a name is its index in the
    /// value slices given to the evaluation functions).
    pub fn compile(src: &str, names: &[&str]) -> Result<CompiledExpr, ExprError> {
        let chars: Vec<char> = src.chars().take(MAX_LENGTH + 1).collect();
        if chars.len() > MAX_LENGTH {
            return Err(ExprError {
                position: MAX_LENGTH,
                token: String::new(),
                message: format!("expression longer than {MAX_LENGTH} characters"),
            });
        }
        let tokens = tokenize(&chars)?;
        if tokens.is_empty() {
            return Err(ExprError {
                position: 1,
                token: String::new(),
                message: "empty expression".into(),
            });
        }
        let mut parser = Parser {
            chars: &chars,
            tokens,
            next: 0,
            names,
            ops: Vec::new(),
            spans: Vec::new(),
            depth: 0,
        };
        parser.expr()?;
        if let Some(t) = parser.peek() {
            let message = if t.tok == Tok::RParen {
                "unmatched ')'"
            } else {
                "expected an operator"
            };
            return Err(parser.error_at(t, message));
        }
        let ops = parser.ops;
        let spans = parser.spans;

        // Operand indices, stack depth and dependence on inputs, from one symbolic pass.
        let mut stack: Vec<usize> = Vec::new();
        let mut args = Vec::with_capacity(ops.len());
        let mut varying = Vec::with_capacity(ops.len());
        let mut used = vec![false; names.len()];
        let mut max_stack = 0;
        for (i, op) in ops.iter().enumerate() {
            let (a, v) = match op {
                Op::Const(_) => ([0, 0], false),
                Op::Var(k) => {
                    used[*k] = true;
                    ([0, 0], true)
                }
                Op::Neg | Op::Call(_) => {
                    let a = stack.pop().unwrap_or(0);
                    ([a, 0], varying[a])
                }
                Op::Add | Op::Sub | Op::Mul | Op::Div | Op::Pow => {
                    let b = stack.pop().unwrap_or(0);
                    let a = stack.pop().unwrap_or(0);
                    ([a, b], varying[a] || varying[b])
                }
            };
            args.push(a);
            varying.push(v);
            stack.push(i);
            max_stack = max_stack.max(stack.len());
        }
        Ok(CompiledExpr {
            ops,
            source: chars,
            spans,
            varying,
            args,
            max_stack,
            used,
        })
    }

    /// Whether the input at `index` appears in the expression.
    pub fn uses(&self, index: usize) -> bool {
        self.used.get(index).copied().unwrap_or(false)
    }

    /// Stack length [`CompiledExpr::eval`] needs.
    pub fn stack_size(&self) -> usize {
        self.max_stack
    }

    fn error_at(&self, op_index: usize, message: &str) -> ExprError {
        let span = self.spans[op_index];
        ExprError {
            position: span.start + 1,
            token: text(&self.source, span.start, span.end),
            message: message.into(),
        }
    }

    /// Value and gradient at `x`, with every operation checked: division by zero, a function
    /// outside its domain or not differentiable there, and overflow are reported at the token
    /// that caused them.
    pub fn value_and_gradient(&self, x: &[f64]) -> Result<(f64, Vec<f64>), ExprError> {
        let vals = self.forward(x)?;
        let Some(&y) = vals.last() else {
            return Err(ExprError {
                position: 1,
                token: String::new(),
                message: "empty expression".into(),
            });
        };
        let grad = self.reverse(&vals);
        if let Some(pos) = grad.iter().position(|d| !d.is_finite()) {
            return Err(ExprError {
                position: 1,
                token: String::new(),
                message: format!(
                    "the derivative with respect to input {} is not finite at the estimates",
                    pos + 1
                ),
            });
        }
        Ok((y, grad))
    }

    /// Forward sweep: the value of every op at `x`, refusing the points where the value or its
    /// derivative does not exist.
    fn forward(&self, x: &[f64]) -> Result<Vec<f64>, ExprError> {
        let n = self.ops.len();
        let mut vals = vec![0.0; n];
        for i in 0..n {
            let [a, b] = self.args[i];
            let v = match self.ops[i] {
                Op::Const(c) => c,
                Op::Var(k) => x.get(k).copied().unwrap_or(f64::NAN),
                Op::Neg => -vals[a],
                Op::Add => vals[a] + vals[b],
                Op::Sub => vals[a] - vals[b],
                Op::Mul => vals[a] * vals[b],
                Op::Div => {
                    if vals[b] == 0.0 {
                        return Err(self.error_at(i, "division by zero at the estimates"));
                    }
                    vals[a] / vals[b]
                }
                Op::Pow => self.checked_pow(i, vals[a], vals[b])?,
                Op::Call(f) => self.checked_call(i, f, vals[a])?,
            };
            if !v.is_finite() {
                return Err(self.error_at(i, "result is not a finite number at the estimates"));
            }
            vals[i] = v;
        }
        Ok(vals)
    }

    /// `base ^ exponent` for op `i`, where it and its derivative exist.
    fn checked_pow(&self, i: usize, base: f64, exponent: f64) -> Result<f64, ExprError> {
        let [a, b] = self.args[i];
        if base == 0.0 && exponent < 0.0 {
            return Err(self.error_at(
                i,
                "zero raised to a negative power (division by zero) at the estimates",
            ));
        }
        if base < 0.0 && exponent.fract() != 0.0 {
            return Err(self.error_at(
                i,
                "negative number raised to a non-integer power at the estimates",
            ));
        }
        if self.varying[b] && base <= 0.0 {
            return Err(self.error_at(
                i,
                "a power whose exponent depends on an input needs a positive base \
                 at the estimates",
            ));
        }
        if self.varying[a] && base == 0.0 && exponent > 0.0 && exponent < 1.0 {
            return Err(self.error_at(
                i,
                "zero raised to a power below 1 is not differentiable at the estimates",
            ));
        }
        Ok(base.powf(exponent))
    }

    /// A function call for op `i`, where it and its derivative exist.
    fn checked_call(&self, i: usize, f: Func, arg: f64) -> Result<f64, ExprError> {
        let a = self.args[i][0];
        match f {
            Func::Sqrt if arg < 0.0 => {
                return Err(self.error_at(i, "square root of a negative number at the estimates"))
            }
            Func::Sqrt if arg == 0.0 && self.varying[a] => {
                return Err(
                    self.error_at(i, "square root is not differentiable at 0 (the estimates)")
                )
            }
            Func::Ln | Func::Log10 if arg <= 0.0 => {
                return Err(self.error_at(
                    i,
                    "logarithm of a number that is not positive at the estimates",
                ))
            }
            Func::Abs if arg == 0.0 && self.varying[a] => {
                return Err(self.error_at(
                    i,
                    "abs is not differentiable at 0 (the estimates); \
                     the GUM linearisation does not apply",
                ))
            }
            _ => {}
        }
        Ok(f.apply(arg))
    }

    /// Reverse sweep: the gradient with respect to each input, from the forward values.
    fn reverse(&self, vals: &[f64]) -> Vec<f64> {
        let n = vals.len();
        // adj[i] = ∂y/∂(value of op i).
        let mut adj = vec![0.0; n];
        let mut grad = vec![0.0; self.used.len()];
        adj[n - 1] = 1.0;
        for i in (0..n).rev() {
            let g = adj[i];
            if g == 0.0 || !self.varying[i] {
                continue;
            }
            let [a, b] = self.args[i];
            match self.ops[i] {
                Op::Const(_) => {}
                Op::Var(k) => {
                    if let Some(slot) = grad.get_mut(k) {
                        *slot += g;
                    }
                }
                Op::Neg => adj[a] -= g,
                Op::Add => {
                    adj[a] += g;
                    adj[b] += g;
                }
                Op::Sub => {
                    adj[a] += g;
                    adj[b] -= g;
                }
                Op::Mul => {
                    adj[a] += g * vals[b];
                    adj[b] += g * vals[a];
                }
                Op::Div => {
                    adj[a] += g / vals[b];
                    adj[b] -= g * vals[i] / vals[b];
                }
                Op::Pow => {
                    let (base, exponent) = (vals[a], vals[b]);
                    if self.varying[a] {
                        adj[a] += g * exponent * base.powf(exponent - 1.0);
                    }
                    if self.varying[b] {
                        adj[b] += g * vals[i] * base.ln();
                    }
                }
                Op::Call(f) => {
                    let arg = vals[a];
                    let d = match f {
                        Func::Sqrt => 0.5 / vals[i],
                        Func::Exp => vals[i],
                        Func::Ln => 1.0 / arg,
                        Func::Log10 => 1.0 / (arg * std::f64::consts::LN_10),
                        Func::Sin => arg.cos(),
                        Func::Cos => -arg.sin(),
                        Func::Tan => 1.0 + vals[i] * vals[i],
                        Func::Abs => arg.signum(),
                    };
                    adj[a] += g * d;
                }
            }
        }
        grad
    }

    /// Fast, unchecked evaluation for the Monte Carlo trials: domain problems surface as NaN or
    /// ±∞, which the caller counts. `stack` must hold at least [`CompiledExpr::stack_size`]
    /// values; a shorter one yields NaN.
    #[inline]
    pub fn eval(&self, x: &[f64], stack: &mut [f64]) -> f64 {
        if stack.len() < self.max_stack {
            return f64::NAN;
        }
        let mut sp = 0usize;
        for op in &self.ops {
            match *op {
                Op::Const(c) => {
                    stack[sp] = c;
                    sp += 1;
                }
                Op::Var(k) => {
                    stack[sp] = x.get(k).copied().unwrap_or(f64::NAN);
                    sp += 1;
                }
                Op::Neg => stack[sp - 1] = -stack[sp - 1],
                Op::Call(f) => stack[sp - 1] = f.apply(stack[sp - 1]),
                Op::Add => {
                    sp -= 1;
                    stack[sp - 1] += stack[sp];
                }
                Op::Sub => {
                    sp -= 1;
                    stack[sp - 1] -= stack[sp];
                }
                Op::Mul => {
                    sp -= 1;
                    stack[sp - 1] *= stack[sp];
                }
                Op::Div => {
                    sp -= 1;
                    stack[sp - 1] /= stack[sp];
                }
                Op::Pow => {
                    sp -= 1;
                    stack[sp - 1] = stack[sp - 1].powf(stack[sp]);
                }
            }
        }
        if sp == 1 {
            stack[0]
        } else {
            f64::NAN
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compile(src: &str, names: &[&str]) -> CompiledExpr {
        match CompiledExpr::compile(src, names) {
            Ok(e) => e,
            Err(e) => panic!("{src}: {e}"),
        }
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-13 * b.abs().max(1.0)
    }

    #[test]
    fn arithmetic_precedence_and_associativity() {
        let names = ["a", "b", "c"];
        let x = [2.0, 3.0, 4.0];
        let cases = [
            ("a + b * c", 14.0),
            ("(a + b) * c", 20.0),
            ("a - b - c", -5.0),
            ("a / b / c", 2.0 / 12.0),
            ("a ^ b ^ 2", 512.0),
            ("-a ^ 2", -4.0),
            ("-a * -b", 6.0),
            ("a ** 3", 8.0),
            ("a^-1", 0.5),
            ("2 − a", 0.0),
            ("a × b ÷ c", 1.5),
            ("1.2e-5 * 1e5", 1.2),
            (".5 + 5.", 5.5),
            ("+a", 2.0),
            ("2E+2", 200.0),
            ("pi", std::f64::consts::PI),
        ];
        let mut stack = vec![0.0; 64];
        for (src, expected) in cases {
            let e = compile(src, &names);
            assert!(close(e.eval(&x, &mut stack), expected), "{src}");
            let (v, _) = e.value_and_gradient(&x).unwrap();
            assert!(close(v, expected), "{src}");
        }
    }

    #[test]
    fn exact_gradients() {
        let names = ["x", "y"];
        let (x, y) = (0.7_f64, 1.9_f64);
        let cases: Vec<(&str, f64, f64)> = vec![
            ("x * y", y, x),
            ("x / y", 1.0 / y, -x / (y * y)),
            ("x ^ y", y * x.powf(y - 1.0), x.powf(y) * x.ln()),
            (
                "sqrt(x * y)",
                0.5 * y / (x * y).sqrt(),
                0.5 * x / (x * y).sqrt(),
            ),
            ("exp(x) + ln(y)", x.exp(), 1.0 / y),
            (
                "log10(x * y)",
                1.0 / (x * 10f64.ln()),
                1.0 / (y * 10f64.ln()),
            ),
            ("sin(x) * cos(y)", x.cos() * y.cos(), -x.sin() * y.sin()),
            ("tan(x) - abs(-y)", 1.0 / (x.cos() * x.cos()), -1.0),
            ("x ^ 2 + x * y", 2.0 * x + y, x),
            ("-(x - 3 * y)", -1.0, 3.0),
        ];
        for (src, dx, dy) in cases {
            let e = compile(src, &names);
            let (_, g) = e.value_and_gradient(&[x, y]).unwrap();
            assert!(close(g[0], dx), "{src}: d/dx {} vs {dx}", g[0]);
            assert!(close(g[1], dy), "{src}: d/dy {} vs {dy}", g[1]);
        }
        // Negative base, integer exponent.
        let e = compile("x ^ 3", &names);
        let (v, g) = e.value_and_gradient(&[-2.0, 0.0]).unwrap();
        assert_eq!((v, g[0]), (-8.0, 12.0));
    }

    #[test]
    fn unicode_names_and_usage() {
        let e = compile("δm + m_S", &["m_S", "δm", "unused"]);
        assert!(e.uses(0) && e.uses(1) && !e.uses(2));
        assert!(is_valid_name("δm"));
        assert!(is_valid_name("_x1"));
        assert!(!is_valid_name("1x"));
        assert!(!is_valid_name("a b"));
        assert!(!is_valid_name("sqrt"));
        assert!(!is_valid_name(""));
    }

    fn err(src: &str, names: &[&str]) -> ExprError {
        match CompiledExpr::compile(src, names) {
            Ok(e) => match e.value_and_gradient(&vec![0.0; names.len()]) {
                Ok(_) => panic!("{src} should fail"),
                Err(e) => e,
            },
            Err(e) => e,
        }
    }

    #[test]
    fn syntax_errors_point_at_the_token() {
        let names = ["a", "b"];
        let e = err("a + c", &names);
        assert_eq!((e.position, e.token.as_str()), (5, "c"));
        assert!(e.message.contains("unknown name"), "{e}");
        let e = err("a + * b", &names);
        assert_eq!((e.position, e.token.as_str()), (5, "*"));
        let e = err("(a + b", &names);
        assert_eq!((e.position, e.token.as_str()), (1, "("));
        let e = err("a + b)", &names);
        assert_eq!((e.position, e.token.as_str()), (6, ")"));
        assert!(e.message.contains("unmatched"));
        let e = err("a +", &names);
        assert_eq!((e.position, e.token.as_str()), (4, ""));
        let e = err("a $ b", &names);
        assert_eq!((e.position, e.token.as_str()), (3, "$"));
        let e = err("log(a)", &names);
        assert!(e.message.contains("unknown function"), "{e}");
        let e = err("sqrt a", &names);
        assert_eq!(e.token, "sqrt");
        let e = err("2a", &names);
        assert_eq!((e.position, e.token.as_str()), (2, "a"));
        let e = err("a b", &names);
        assert_eq!(e.message, "expected an operator");
        let e = err("", &names);
        assert_eq!(e.message, "empty expression");
        let e = err("δ + a", &names);
        assert_eq!((e.position, e.token.as_str()), (1, "δ"));
        let deep = format!("{}a{}", "(".repeat(500), ")".repeat(500));
        assert!(err(&deep, &names).message.contains("too deeply"));
    }

    #[test]
    fn domain_errors_point_at_the_operation() {
        let names = ["a", "b"];
        // The estimates are all zero in err().
        let e = err("1 + a / b", &names);
        assert_eq!((e.position, e.token.as_str()), (7, "/"));
        assert!(e.message.contains("division by zero"));
        let e = err("ln(a)", &names);
        assert_eq!((e.position, e.token.as_str()), (1, "ln"));
        let e = err("sqrt(a - 1)", &names);
        assert!(e.message.contains("negative"), "{e}");
        let e = err("sqrt(a)", &names);
        assert!(e.message.contains("not differentiable"), "{e}");
        let e = err("abs(a)", &names);
        assert!(e.message.contains("abs"), "{e}");
        let e = err("(a - 1) ^ 0.5", &names);
        assert_eq!(e.token, "^");
        let e = err("exp(1000 + a)", &names);
        assert!(e.message.contains("finite"), "{e}");
        let e = err("2 ^ (b - 1) * a ^ -1", &names);
        assert!(e.message.contains("zero raised"), "{e}");
    }

    #[test]
    fn fast_eval_propagates_nan_instead_of_failing() {
        let e = compile("sqrt(a)", &["a"]);
        let mut stack = vec![0.0; e.stack_size()];
        assert!(e.eval(&[-1.0], &mut stack).is_nan());
        assert!(e.eval(&[4.0], &mut []).is_nan());
        assert_eq!(e.eval(&[4.0], &mut stack), 2.0);
    }
}

//! Indicator formulas: arithmetic over a product-year's inputs.
//!
//! Grammar: numbers, input names, `+ - * /`, unary minus and parentheses, with the
//! usual precedence. A formula is parsed once, when its methodology is loaded, and
//! evaluated per product; a division by zero makes the value undefined (`None`), which
//! no benchmark counts and no threshold passes.

use std::fmt;

/// A parsed formula.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// A constant.
    Number(f64),
    /// An input, by its index in [`INPUTS`].
    Input(usize),
    /// `-e`.
    Neg(Box<Expr>),
    /// `a op b`.
    Binary(Box<Expr>, Op, Box<Expr>),
}

/// A binary operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `+`.
    Add,
    /// `-`.
    Sub,
    /// `*`.
    Mul,
    /// `/`.
    Div,
}

/// The inputs a formula may name: one product-year's data (see
/// [`super::ProductYear`]), in this order.
pub const INPUTS: [&str; 12] = [
    "sales",
    "exports",
    "profit",
    "ip_investment",
    "linked_patents",
    "core_patents",
    "valid_invention_patents",
    "contribution_share",
    "recorded",
    "opted_in",
    "has_year_data",
    "open_objections",
];

/// Why a formula is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormulaError {
    /// Character offset in the formula.
    pub at: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for FormulaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at character {}: {}", self.at + 1, self.message)
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Number(f64),
    Name(String),
    Op(char),
    Open,
    Close,
}

fn tokens(text: &str) -> Result<Vec<(usize, Token)>, FormulaError> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        match c {
            ' ' | '\t' => i += 1,
            '+' | '-' | '*' | '/' => {
                out.push((i, Token::Op(c)));
                i += 1;
            }
            '(' => {
                out.push((i, Token::Open));
                i += 1;
            }
            ')' => {
                out.push((i, Token::Close));
                i += 1;
            }
            '0'..='9' | '.' => {
                let start = i;
                while chars
                    .get(i)
                    .is_some_and(|c| c.is_ascii_digit() || *c == '.')
                {
                    i += 1;
                }
                let text: String = chars.get(start..i).unwrap_or_default().iter().collect();
                let value = text.parse::<f64>().map_err(|_| FormulaError {
                    at: start,
                    message: format!("{text:?} is not a number"),
                })?;
                out.push((start, Token::Number(value)));
            }
            c if c.is_ascii_alphabetic() || c == '_' => {
                let start = i;
                while chars
                    .get(i)
                    .is_some_and(|c| c.is_ascii_alphanumeric() || *c == '_')
                {
                    i += 1;
                }
                out.push((
                    start,
                    Token::Name(chars.get(start..i).unwrap_or_default().iter().collect()),
                ));
            }
            other => {
                return Err(FormulaError {
                    at: i,
                    message: format!(
                        "{other:?} is not allowed; use numbers, input names, + - * / and parentheses"
                    ),
                });
            }
        }
    }
    Ok(out)
}

struct Parser {
    tokens: Vec<(usize, Token)>,
    pos: usize,
    end: usize,
    depth: usize,
}

/// Deepest nesting accepted: formulas are short; this keeps a hostile one from
/// exhausting the stack.
const MAX_DEPTH: usize = 32;

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos).map(|(_, t)| t)
    }

    fn at(&self) -> usize {
        self.tokens.get(self.pos).map_or(self.end, |(at, _)| *at)
    }

    fn error(&self, message: impl Into<String>) -> FormulaError {
        FormulaError {
            at: self.at(),
            message: message.into(),
        }
    }

    fn sum(&mut self) -> Result<Expr, FormulaError> {
        let mut left = self.product()?;
        while let Some(Token::Op(c @ ('+' | '-'))) = self.peek() {
            let op = if *c == '+' { Op::Add } else { Op::Sub };
            self.pos += 1;
            let right = self.product()?;
            left = Expr::Binary(Box::new(left), op, Box::new(right));
        }
        Ok(left)
    }

    fn product(&mut self) -> Result<Expr, FormulaError> {
        let mut left = self.unary()?;
        while let Some(Token::Op(c @ ('*' | '/'))) = self.peek() {
            let op = if *c == '*' { Op::Mul } else { Op::Div };
            self.pos += 1;
            let right = self.unary()?;
            left = Expr::Binary(Box::new(left), op, Box::new(right));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, FormulaError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error("the formula nests too deeply"));
        }
        let result = match self.peek().cloned() {
            Some(Token::Op('-')) => {
                self.pos += 1;
                Ok(Expr::Neg(Box::new(self.unary()?)))
            }
            Some(Token::Number(n)) => {
                self.pos += 1;
                Ok(Expr::Number(n))
            }
            Some(Token::Name(name)) => {
                let index = INPUTS.iter().position(|i| *i == name).ok_or_else(|| {
                    self.error(format!(
                        "{name:?} is not an input; inputs: {}",
                        INPUTS.join(", ")
                    ))
                })?;
                self.pos += 1;
                Ok(Expr::Input(index))
            }
            Some(Token::Open) => {
                self.pos += 1;
                let inner = self.sum()?;
                if self.peek() != Some(&Token::Close) {
                    return Err(self.error("a ( is not closed"));
                }
                self.pos += 1;
                Ok(inner)
            }
            _ => Err(self.error("expected a number, an input name or (")),
        };
        self.depth -= 1;
        result
    }
}

impl Expr {
    /// Parses a formula.
    ///
    /// # Errors
    ///
    /// The formula is empty, names an unknown input, or is not well formed.
    pub fn parse(text: &str) -> Result<Self, FormulaError> {
        let tokens = tokens(text)?;
        let mut parser = Parser {
            tokens,
            pos: 0,
            end: text.chars().count(),
            depth: 0,
        };
        let expr = parser.sum()?;
        if parser.pos != parser.tokens.len() {
            return Err(parser.error("unexpected text after the formula"));
        }
        Ok(expr)
    }

    /// The value for `inputs` (in [`INPUTS`] order); `None` on a division by zero or a
    /// result that is not finite.
    #[must_use]
    pub fn eval(&self, inputs: &[f64; INPUTS.len()]) -> Option<f64> {
        let value = match self {
            Self::Number(n) => *n,
            Self::Input(i) => *inputs.get(*i)?,
            Self::Neg(e) => -e.eval(inputs)?,
            Self::Binary(a, op, b) => {
                let (a, b) = (a.eval(inputs)?, b.eval(inputs)?);
                match op {
                    Op::Add => a + b,
                    Op::Sub => a - b,
                    Op::Mul => a * b,
                    Op::Div => {
                        if b == 0.0 {
                            return None;
                        }
                        a / b
                    }
                }
            }
        };
        // One zero: -0.0 and 0.0 compare equal but would print apart.
        let value = if value == 0.0 { 0.0 } else { value };
        value.is_finite().then_some(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs() -> [f64; INPUTS.len()] {
        let mut v = [0.0; INPUTS.len()];
        v[0] = 1000.0; // sales
        v[2] = 150.0; // profit
        v[4] = 4.0; // linked
        v[5] = 1.0; // core
        v
    }

    #[test]
    fn evaluates_with_precedence() {
        let cases = [
            ("sales", Some(1000.0)),
            ("profit / sales", Some(0.15)),
            ("core_patents / linked_patents * 100", Some(25.0)),
            ("-(profit - sales) / 2", Some(425.0)),
            ("2 + 3 * 4", Some(14.0)),
            ("(2 + 3) * 4", Some(20.0)),
            ("sales / exports", None),
        ];
        for (text, want) in cases {
            let expr = Expr::parse(text).expect(text);
            assert_eq!(expr.eval(&inputs()), want, "{text}");
        }
    }

    #[test]
    fn refuses_bad_formulas_with_a_position() {
        let cases = [
            ("", 0),
            ("sales +", 7),
            ("revenue", 0),
            ("(sales", 6),
            ("sales sales", 6),
            ("sales % 2", 6),
            ("1..2", 0),
        ];
        for (text, at) in cases {
            let err = Expr::parse(text).expect_err(text);
            assert_eq!(err.at, at, "{text}: {err}");
        }
        let deep = format!("{}1{}", "(".repeat(100), ")".repeat(100));
        assert!(Expr::parse(&deep).is_err());
    }
}

pub mod adapter;
pub mod redis;
